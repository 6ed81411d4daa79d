"""政府信息公开工作年度报告 in the office: the reports one may edit and what is due (第四十九条), one report with
its tables (each number a link to the records it counts, the counting rules under each table, table 三's
broken rules with their requests), its text sections to edit, and the workflow to publication.

Every change goes through `reports.services`; a refused step shows its reason with its status.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yimen.cases.models import Case
from yimen.core.downloads import file_response
from yimen.core.errors import ApplicationError
from yimen.disclosure.models import DisclosureRequest
from yimen.office.report_forms import NarrativeForm, ReturnForm, StartForm
from yimen.office.sections import Section
from yimen.office.views import requires, signed_in
from yimen.org.permissions import can, organisations_for
from yimen.publishing.models import Publication
from yimen.reports import documents, queries, records, reminders, services
from yimen.reports.document import AnnualReportData
from yimen.reports.models import AnnualReport, ReportState
from yimen.reports.rules import rules_by_section

RECORDS_PER_PAGE = 50
# The office page of each kind of record a report's number counts (reports.records lists them).
RECORD_PAGES: dict[type[Any], str] = {
    Case: "office_cases:detail",
    DisclosureRequest: "office_disclosure:detail",
    Publication: "office_publishing:detail",
}


def record_page(record: Any) -> str:
    """The office page of one record of a list, or "" for a kind the office shows on no page of its own."""
    route = RECORD_PAGES.get(type(record))
    return reverse(route, args=[record.pk]) if route else ""


SECTION = Section(
    "office/reports",
    home=("返回年度报告", "office_reports:list"),
    pages=(
        ("年度报告", "office_reports:list", ("report.edit",)),
        ("处罚强制收费", "office_reports:enforcement", ("report.edit",)),
        ("统计图表", "office_reports:dashboard", ("stats.view",)),
        ("电子证照免提交统计", "office_reports:certificate_reuse", ("stats.view",)),
    ),
)
render_page = SECTION.render


@requires("report.edit")
def report_list(request: HttpRequest, *, form: StartForm | None = None, status: int = 200) -> HttpResponse:
    visible = organisations_for(signed_in(request), "report.edit")
    page = Paginator(queries.reports_of(visible), RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "due": reminders.due_reports(visible, timezone.localdate()),
        "form": form or StartForm(visible=visible),
    }
    return render_page(request, "list.html", context, status=status)


@require_POST
@requires("report.edit")
def report_start(request: HttpRequest) -> HttpResponse:
    visible = organisations_for(signed_in(request), "report.edit")
    form = StartForm(request.POST, visible=visible)
    if form.is_valid():
        try:
            report = services.start_report(
                organisation=form.cleaned_data["organisation"],
                year=form.cleaned_data["year"],
                by=signed_in(request),
            )
        except ApplicationError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            return redirect("office_reports:detail", pk=report.pk)
    return report_list(request, form=form, status=422)


def _report(request: HttpRequest, pk: int) -> AnnualReport:
    """The report, if the signed-in person edits or reviews its organisation's reports; otherwise 404."""
    report = get_object_or_404(AnnualReport.objects.select_related("organisation", "publication"), pk=pk)
    staff = signed_in(request)
    if not (can(staff, "report.edit", report) or can(staff, "report.review", report)):
        raise Http404("没有这份年度报告")
    return report


def _detail(
    request: HttpRequest,
    report: AnnualReport,
    *,
    doc: AnnualReportData | None = None,
    narrative: NarrativeForm | None = None,
    failure: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = signed_in(request)
    doc = doc or queries.document_of(report)
    may_edit = can(staff, "report.edit", report)
    may_review = can(staff, "report.review", report)
    actions = [
        action
        for action, state, allowed in (
            ("submit", ReportState.DRAFT, may_edit),
            ("return", ReportState.REVIEW, may_review),
            ("publish", ReportState.REVIEW, may_review),
        )
        if report.state == state and allowed
    ]
    if narrative is None and report.state == ReportState.DRAFT and may_edit:
        narrative = NarrativeForm(initial={"lock_version": report.lock_version}, doc=doc)
    records_url = reverse("office_reports:records", args=[report.pk])
    context = {
        "report": report,
        "doc": doc,
        "narrative": narrative,
        "actions": actions,
        "return_form": ReturnForm(),
        "failure": failure,
        "deadline": reminders.deadline(report.organisation, report.year),
        "checks": [
            (
                check,
                [(number, reverse("office_disclosure:detail", args=[pk])) for pk, number in check.requests],
            )
            for check in doc.checks
        ],
        "formats": [fmt for fmt in documents.FORMATS if fmt != "html"],
        **documents.context(doc, records_url=records_url, show_figures=True, rules=rules_by_section()),
    }
    return render_page(request, "detail.html", context, status=status)


@requires("view")
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _report(request, pk))


@require_POST
@requires("report.edit")
def report_narrative(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    doc = queries.document_of(report)
    form = NarrativeForm(request.POST, doc=doc)
    if not form.is_valid():
        return _detail(request, report, doc=doc, narrative=form, status=422)
    try:
        services.edit_narrative(
            report=report,
            by=signed_in(request),
            texts=form.texts(),
            lock_version=form.cleaned_data["lock_version"],
        )
    except ApplicationError as exc:
        form.show(exc.fields)
        return _detail(request, report, doc=doc, narrative=form, failure=exc, status=exc.status)
    messages.success(request, "文字部分已保存。")
    return redirect("office_reports:detail", pk=report.pk)


@require_POST
@requires("view")
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    report = _report(request, pk)
    staff = signed_in(request)
    lock_version = _int(request.POST.get("lock_version"))
    try:
        if action == "submit":
            services.submit_for_review(report=report, by=staff, lock_version=lock_version)
            messages.success(request, "已提交审核。")
        elif action == "return":
            services.return_to_draft(
                report=report, by=staff, reason=request.POST.get("reason", ""), lock_version=lock_version
            )
            messages.success(request, "已退回修改。")
        elif action == "publish":
            report = services.approve_and_publish(report=report, by=staff, lock_version=lock_version)
            messages.success(
                request, f"已发布，索引号 {report.publication.index_number if report.publication else ''}。"
            )
        else:
            raise Http404("没有这个操作")
    except ApplicationError as exc:
        return _detail(request, _report(request, pk), failure=exc, status=exc.status)
    return redirect("office_reports:detail", pk=report.pk)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@requires("view")
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = _report(request, pk)
    if fmt not in documents.FORMATS:
        raise Http404("没有这种格式")
    doc = queries.document_of(report)
    return file_response(
        documents.render(doc, fmt),
        filename=documents.filename(doc, fmt),
        fallback=f"annual-report-{report.organisation.code}-{report.year}.{fmt}",
        content_type=documents.MIME[fmt],
        inline=fmt == "html",
    )


@requires("view")
def report_records(request: HttpRequest, pk: int) -> HttpResponse:
    """The records one number of the report counts (always counted today, even for a published report)."""
    report = _report(request, pk)
    params = request.GET
    try:
        if params.get("figure"):
            found = records.figure_records(report.organisation, report.year, params["figure"])
        elif params.get("check"):
            found = records.suspects(report.organisation, report.year)
        else:
            found = records.cell_records(
                report.organisation,
                report.year,
                params.get("table", ""),
                params.get("row", ""),
                params.get("column", ""),
                params.get("caption", ""),
            )
    except KeyError:
        found = None
    if found is None:
        raise Http404("这个数字没有可列出的记录")
    page = Paginator(found.records, RECORDS_PER_PAGE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    context = {
        "report": report,
        "found": found,
        "page": page,
        "rows": found.rows(page, record_page),
        "query": query.urlencode(),
        "published": report.state == ReportState.PUBLISHED,
    }
    return render_page(request, "records.html", context)
