"""事项目录 Excel 导入导出 in the office: upload a workbook and see every problem by sheet, row and column."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yimen.catalog import excel
from yimen.core import spreadsheet
from yimen.core.errors import ApplicationError
from yimen.office.views import requires, signed_in

TEMPLATE = "office/catalog/import.html"
MAX_MB = spreadsheet.MAX_UPLOAD_BYTES // 1024 // 1024


def _upload_problem(upload: UploadedFile | None) -> str:
    if upload is None:
        return "请选择要导入的 Excel 文件（.xlsx）"
    if (upload.size or 0) > spreadsheet.MAX_UPLOAD_BYTES:
        return f"文件超过 {MAX_MB} MB，请拆分后分批导入"
    return ""


@requires("item.edit")
def import_view(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check every row, import all or (when asked) the valid ones, report."""
    context: dict[str, Any] = {"max_mb": MAX_MB, "valid_only": request.POST.get("valid_only") == "1"}
    if request.method != "POST":
        return render(request, TEMPLATE, context)
    upload = request.FILES.get("file")
    problem = _upload_problem(upload)
    if upload is not None and not problem:
        try:
            report = excel.import_workbook(
                upload.read(), by=signed_in(request), valid_only=context["valid_only"]
            )
        except ApplicationError as exc:
            problem = exc.message
        else:
            context["report"] = report
            return render(request, TEMPLATE, context, status=422 if report.rejected else 200)
    context["problem"] = problem
    return render(request, TEMPLATE, context, status=422)


@requires("item.edit")
def export_view(request: HttpRequest) -> HttpResponse:
    """The public catalogue as 事项目录.xlsx, in the layout the import reads."""
    return spreadsheet.download(excel.export_workbook(), excel.FILENAME, "catalog.xlsx")
