"""处罚、强制与收费 in the office: the records of table 二's 行政处罚, 行政强制 and 行政事业性收费 rows, entered one by
one or imported from Excel or CSV (all rows or none, every problem named by row and column)."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yimen.core.errors import ApplicationError
from yimen.core.spreadsheet import download, workbook_bytes
from yimen.office.report_forms import reporting_organisations
from yimen.office.report_views import RECORDS_PER_PAGE, render_page
from yimen.office.views import requires, signed_in
from yimen.org.models import Organisation
from yimen.org.permissions import can, organisations_for
from yimen.reports import counts, enforcement
from yimen.reports.models import EnforcementKind, EnforcementRecord
from yimen.reports.scope import Year


class ScopeForm(forms.Form):
    organisation = forms.ModelChoiceField(label="机构", queryset=Organisation.objects.none(), required=False)
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)

    def __init__(self, *args: Any, visible: Collection[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisation"]
        field.queryset = reporting_organisations(visible)
        field.empty_label = None

    def chosen(self) -> tuple[Organisation | None, int]:
        data = self.cleaned_data if self.is_valid() else {}
        field: Any = self.fields["organisation"]
        org = data.get("organisation") or field.queryset.first()
        return org, data.get("year") or timezone.localdate().year - 1


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=EnforcementKind.choices)
    decided_on = forms.DateField(
        label="决定或收费日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "决定或收费日期：必填", "invalid": "决定或收费日期：格式如 2024-05-06"},
    )
    reference = forms.CharField(label="文书编号", max_length=80, required=False)
    amount = forms.DecimalField(
        label="金额（元）",
        max_digits=14,
        decimal_places=2,
        required=False,
        error_messages={
            "invalid": "金额（元）：应为金额，如 1200.50",
            "max_decimal_places": "金额（元）：最多两位小数",
        },
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def entry(self) -> enforcement.Entry:
        data = self.cleaned_data
        amount = data["amount"] if data["amount"] is not None else Decimal(0)
        return enforcement.Entry(data["kind"], data["decided_on"], data["reference"], amount, data["note"])

    def show(self, fields: dict[str, list[str]]) -> None:
        for name, errors in fields.items():
            for error in errors:
                self.add_error(name if name in self.fields else None, error)


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 或 CSV 文件", error_messages={"required": "文件：请选择要导入的文件"})


def _page(
    request: HttpRequest,
    *,
    entry: EntryForm | None = None,
    upload: ImportForm | None = None,
    failure: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    visible = organisations_for(signed_in(request), "report.edit")
    scope = ScopeForm(request.GET or None, visible=visible)
    org, year = scope.chosen()
    if org is None:
        raise Http404("没有可录入的机构")
    records = EnforcementRecord.objects.filter(organisation=org, decided_on__year=year).order_by(
        "-decided_on", "-pk"
    )
    figures = counts.enforcement_figures([org.pk], Year(year))
    context = {
        "scope": scope,
        "organisation": org,
        "year": year,
        "summary": [(EnforcementKind(kind).label, value) for kind, value in figures.items()],
        "page": Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page")),
        "entry": entry or EntryForm(),
        "upload": upload or ImportForm(),
        "failure": failure,
        "columns": enforcement.HEADER,
    }
    return render_page(request, "enforcement.html", context, status=status)


@requires("report.edit")
def enforcement_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _organisation(request: HttpRequest) -> Organisation:
    org = get_object_or_404(
        Organisation, pk=request.GET.get("organisation") or request.POST.get("organisation") or 0
    )
    if not can(signed_in(request), "report.edit", org):
        raise Http404("没有该机构")
    return org


def _back(org: Organisation, year: int) -> HttpResponse:
    return redirect(f"{reverse('office_reports:enforcement')}?organisation={org.pk}&year={year}")


@require_POST
@requires("report.edit")
def enforcement_add(request: HttpRequest) -> HttpResponse:
    org = _organisation(request)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            record = enforcement.record_enforcement(
                organisation=org, by=signed_in(request), entry=form.entry()
            )
        except ApplicationError as exc:
            form.show(exc.fields)
            return _page(request, entry=form, failure=exc, status=exc.status)
        messages.success(request, f"已录入：{record.get_kind_display()} {record.decided_on}。")
        return _back(org, record.decided_on.year)
    return _page(request, entry=form, status=422)


@require_POST
@requires("report.edit")
def enforcement_import(request: HttpRequest) -> HttpResponse:
    org = _organisation(request)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = enforcement.import_enforcement(
                organisation=org, by=signed_in(request), content=upload.read(), filename=upload.name
            )
        except ApplicationError as exc:
            return _page(request, upload=form, failure=exc, status=exc.status)
        messages.success(request, f"已导入 {count} 条记录。")
        return _back(org, int(request.GET.get("year") or timezone.localdate().year - 1))
    return _page(request, upload=form, status=422)


@require_POST
@requires("report.edit")
def enforcement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(EnforcementRecord.objects.select_related("organisation"), pk=pk)
    if not can(signed_in(request), "report.edit", record.organisation):
        raise Http404("没有这条记录")
    enforcement.delete_enforcement(record=record, by=signed_in(request))
    messages.success(request, "已删除。")
    return _back(record.organisation, record.decided_on.year)


@requires("report.edit")
def enforcement_template(request: HttpRequest) -> HttpResponse:
    example = [["行政处罚", "2024-03-15", "咸市监罚〔2024〕12号", "5000", "罚款"]]
    content = workbook_bytes([(enforcement.SHEET, enforcement.HEADER, example)])
    return download(content, "处罚强制收费导入模板.xlsx", "enforcement-template.xlsx")
