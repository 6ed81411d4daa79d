"""Downloads of a case's notices for the office: whoever may see the case (`cases.queries.visibility`)
gets the PDF or the DOCX — a 联办 reviewer too, for the case they review; anyone else gets 404, as for an
unknown number, so a case number reveals nothing. Roles without case work get the office's 403 page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from yimen.cases import notices
from yimen.cases.queries.visibility import CASE_VIEW, case_for
from yimen.core import documents
from yimen.core.downloads import file_response
from yimen.core.errors import ApplicationError
from yimen.office.views import requires, signed_in

RENDERERS = {"pdf": notices.notice_pdf, "docx": notices.notice_docx}


@requires(CASE_VIEW)
def download(request: HttpRequest, number: str, kind: str, fmt: str) -> HttpResponse:
    case = case_for(signed_in(request), number)
    if kind not in notices.KINDS:
        raise Http404("没有这种通知书")
    try:
        document = RENDERERS[fmt](case, kind, base_url=request.build_absolute_uri("/"))
    except ApplicationError as exc:
        return render(request, "office/cases/notice_unavailable.html", {"error": exc}, status=exc.status)
    title = notices.KINDS[kind].title
    return file_response(
        document,
        filename=f"{title}-{case.number}.{fmt}",
        fallback=f"{kind}-{case.number}.{fmt}",
        content_type=documents.MIME[fmt],
    )
