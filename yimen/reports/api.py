"""/api/v1/reports: the annual report of an organisation and year.

Anyone may read a published report (as it was published). Staff who edit or review reports of the
organisation may read any other as it counts today; for everyone else an unpublished report does not exist.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from yimen.core.downloads import file_response
from yimen.core.validation import label_fields
from yimen.org.models import Organisation
from yimen.org.permissions import can
from yimen.reports import documents, queries
from yimen.reports.models import AnnualReport, ReportState

router = Router(tags=["年度报告"])
label_fields(org="机构代码", year="报告年度", format="格式")
NOT_FOUND = "没有该机构该年度已发布的政府信息公开工作年度报告"


class Options(Schema):
    format: Literal["json", "pdf", "docx"] = Field("json", description="json（默认）、pdf 或 docx")


def may_see_unpublished(request: HttpRequest, org: Organisation) -> bool:
    return any(can(request.user, action, org) for action in ("report.edit", "report.review"))


@router.get(
    "/annual/{org}/{year}",
    summary="政府信息公开工作年度报告",
    description="JSON 的键为统一格式（国办公开办函〔2021〕30号）的部分标题和表格行、列名称；"
    "2021 年以前的年度为 2008 年条例时期的八部分结构。",
    response={200: dict[str, Any]},
)
def annual(request: HttpRequest, org: str, year: int, options: Query[Options]) -> Any:
    organisation = Organisation.objects.filter(code=org).first()
    if organisation is None or not 2000 <= year <= timezone.localdate().year:
        raise HttpError(404, NOT_FOUND)
    report = AnnualReport.objects.filter(organisation=organisation, year=year).first()
    published = report is not None and report.state == ReportState.PUBLISHED
    if not published and not may_see_unpublished(request, organisation):
        raise HttpError(404, NOT_FOUND)
    doc = queries.document_of(report) if report is not None else queries.document_for(organisation, year)
    if options.format == "json":
        return doc.as_json()
    content = documents.render(doc, options.format)
    response: HttpResponse = file_response(
        content,
        filename=documents.filename(doc, options.format),
        fallback=f"annual-report-{org}-{year}.{options.format}",
        content_type=documents.MIME[options.format],
    )
    return response
