"""The audit log in the office: read by date, operator and action, checked, exported (CSV or Excel) and its
daily signed anchors downloaded by the 审计管理员 (GB/T 22239-2019 8.1.5.2 审计管理: the audit administrator
reads and analyses the audit records through a dedicated interface, and those operations are themselves
audited). Nothing here changes an entry."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yimen.core import audit, audit_anchor, spreadsheet
from yimen.core.downloads import file_response
from yimen.core.models import AuditEntry
from yimen.core.queries import audit_trail
from yimen.office.views import requires, signed_in
from yimen.org.models import Organisation
from yimen.org.permissions import can, organisations_for

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
COLUMNS = [
    "序号",
    "时间",
    "操作人",
    "操作人编号",
    "操作",
    "对象类型",
    "对象编号",
    "对象",
    "所属机构",
    "终端地址",
    "变更摘要",
    "哈希",
]


class AuditFilter(forms.Form):
    since = forms.DateField(
        label="开始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "开始日期：请填写 YYYY-MM-DD 格式的日期"},
    )
    until = forms.DateField(
        label="截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "截止日期：请填写 YYYY-MM-DD 格式的日期"},
    )
    actor = forms.CharField(label="操作人", required=False, max_length=100)
    action = forms.CharField(label="操作", required=False, max_length=60)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "截止日期：不能早于开始日期")
        return data

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        data = self.cleaned_data
        if data.get("since"):
            entries = entries.filter(at__gte=timezone.make_aware(datetime.combine(data["since"], time.min)))
        if data.get("until"):
            end = datetime.combine(data["until"] + timedelta(days=1), time.min)
            entries = entries.filter(at__lt=timezone.make_aware(end))
        if data.get("actor"):
            entries = entries.filter(actor_label__icontains=data["actor"].strip())
        if data.get("action"):
            entries = entries.filter(action__startswith=data["action"].strip())
        return entries

    def described(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.cleaned_data.items() if value}


def trail_for(staff: Any, action: str) -> QuerySet[AuditEntry]:
    """The entries of the organisations where `staff` may `action`; the platform's own entries (of no
    organisation: exports, archiving, the system's) to those who hold it at a top organisation."""
    organisations = organisations_for(staff, action)
    if organisations and Organisation.objects.filter(pk__in=organisations, parent__isnull=True).exists():
        own = Q(organisation_id__in=organisations) | Q(organisation_id__isnull=True)
        return AuditEntry.objects.filter(own).order_by("-id")
    return audit_trail(organisations)


def _selection(request: HttpRequest, action: str) -> tuple[AuditFilter, QuerySet[AuditEntry] | None]:
    form = AuditFilter(request.GET)
    if not form.is_valid():
        return form, None
    return form, form.apply(trail_for(request.user, action))


@requires("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    form, entries = _selection(request, "audit.view")
    page = Paginator(entries if entries is not None else AuditEntry.objects.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    verified = audit.verify() if request.GET.get("verify") == "1" else None
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "verified": verified,
        "form": form,
        "query": query.urlencode(),
        "may_export": can(request.user, "audit.export"),
        "today": timezone.localdate(),
    }
    return render(request, "office/audit.html", context, status=200 if entries is not None else 422)


def _address(summary: Any) -> str:
    """The client address an entry keeps (`audit.record_read` and the exports put it under "after")."""
    after = summary.get("after") if isinstance(summary, dict) else None
    return str(after.get("address", "")) if isinstance(after, dict) else ""


def _rows(entries: Iterable[AuditEntry]) -> Iterable[list[Any]]:
    for e in entries:
        yield [
            e.seq,
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_label,
            e.actor_id or "",
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.organisation_id or "",
            _address(e.summary),
            json.dumps(e.summary, ensure_ascii=False, sort_keys=True),
            e.hash,
        ]


@requires("audit.export")
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered log as CSV (UTF-8 with BOM, for Excel) or XLSX; the export itself is audited."""
    form, entries = _selection(request, "audit.export")
    if entries is None:
        return audit_log(request)
    count = entries.count()
    if count > EXPORT_LIMIT:
        form.add_error(None, f"导出条数 {count} 超过上限 {EXPORT_LIMIT}：请缩小日期范围后分次导出")
        return render(request, "office/audit.html", {"page": None, "form": form}, status=422)
    ordered = entries.order_by("id").iterator(chunk_size=2000)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    if fmt == "xlsx":
        content = spreadsheet.workbook_bytes([("审计日志", COLUMNS, _rows(ordered))])
        response = spreadsheet.download(content, f"审计日志_{stamp}.xlsx", f"audit-{stamp}.xlsx")
    else:
        response = file_response(
            spreadsheet.csv_bytes(COLUMNS, _rows(ordered)),
            filename=f"审计日志_{stamp}.csv",
            fallback=f"audit-{stamp}.csv",
            content_type="text/csv; charset=utf-8",
        )
    audit.record(
        "audit.exported",
        actor=signed_in(request),
        object_type="core.auditentry",
        object_repr=f"审计日志导出（{fmt.upper()}，{count} 条）",
        after={
            "format": fmt,
            "count": count,
            "filters": form.described(),
            "address": audit.address_of(request),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@requires("audit.export")
def anchor_export(request: HttpRequest) -> HttpResponse:
    """One day's signed anchors, for the 审计管理员 to keep outside the system (`yimen audit verify --anchors`)."""
    field = forms.DateField(required=True)
    try:
        day = field.clean(request.GET.get("date", ""))
    except forms.ValidationError:
        form = AuditFilter({})
        form.is_valid()
        form.add_error(None, "日期：请填写 YYYY-MM-DD 格式的日期")
        return render(request, "office/audit.html", {"page": None, "form": form}, status=422)
    lines = audit_anchor.export_day(day)
    audit.record(
        "audit.anchors_exported",
        actor=signed_in(request),
        object_type="core.auditanchor",
        object_id=day.isoformat(),
        object_repr=f"{day} 的审计签名锚点（{lines.count(chr(10))} 条）",
        after={"address": audit.address_of(request)},
    )
    return file_response(
        lines.encode(),
        filename=f"审计签名锚点_{day:%Y%m%d}.jsonl",
        fallback=f"audit-anchors-{day:%Y%m%d}.jsonl",
        content_type="application/x-ndjson",
    )
