"""依申请公开 in Excel: the desk's selection exported (in the import layout), and the import of historical
requests, checked row by row, all or nothing."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yimen.core import audit, spreadsheet
from yimen.core.errors import ApplicationError
from yimen.disclosure import exporting, importing
from yimen.office.disclosure_views import ACTION, desk_filters, selection
from yimen.office.views import requires, signed_in

TEMPLATE = "office/disclosure/import.html"
MAX_MB = spreadsheet.MAX_UPLOAD_BYTES // 1024 // 1024


@requires(ACTION)
def export(request: HttpRequest) -> HttpResponse:
    """The desk's queue or search as 政府信息公开申请.xlsx, every request in the selection with its
    consultations and appeals, in the import's layout."""
    staff, today = signed_in(request), timezone.localdate()
    queue, q = desk_filters(request)
    chosen = selection(staff, queue, q)
    content = exporting.export_workbook(chosen, today)
    count = chosen.count()
    audit.record(  # the requesters' names, ID numbers, phones and addresses leave the system
        "disclosure.exported",
        actor=staff,
        object_type="disclosure.disclosurerequest",
        object_repr=f"政府信息公开申请导出（{count} 件）",
        after={
            "queue": queue,
            "q": audit.without_id_numbers(q),
            "count": count,
            "address": audit.address_of(request),
        },
    )
    return spreadsheet.download(content, f"政府信息公开申请_{today:%Y%m%d}.xlsx", "disclosure-requests.xlsx")


@requires(ACTION)
def template(request: HttpRequest) -> HttpResponse:
    """An empty workbook in the import layout."""
    content = exporting.template_workbook()
    return spreadsheet.download(content, "政府信息公开申请导入模板.xlsx", "disclosure-import-template.xlsx")


@requires(ACTION)
def import_view(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check every row, import all of them or none, and say what was wrong."""
    context: dict[str, Any] = {"max_mb": MAX_MB, "dry_run": request.POST.get("dry_run") == "1"}
    if request.method != "POST":
        return render(request, TEMPLATE, context)
    upload = request.FILES.get("file")
    if upload is None or (upload.size or 0) > spreadsheet.MAX_UPLOAD_BYTES:
        context["problem"] = (
            "请选择要导入的文件（.xlsx 或 .csv）"
            if upload is None
            else f"文件超过 {MAX_MB} MB，请拆分后分批导入"
        )
        return render(request, TEMPLATE, context, status=422)
    try:
        report = importing.import_requests(upload.read(), by=signed_in(request), dry_run=context["dry_run"])
    except ApplicationError as exc:
        context["problem"] = exc.message
        return render(request, TEMPLATE, context, status=422)
    context["report"] = report
    return render(request, TEMPLATE, context, status=422 if report.rejected else 200)
