"""Downloads of a case's notices for the office: staff who may see the case get the PDF or the DOCX;
anyone else gets 404, so a case number reveals nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from yimen.cases import notices
from yimen.cases.models import Case
from yimen.core import documents
from yimen.core.downloads import file_response
from yimen.core.errors import ApplicationError
from yimen.org.permissions import can

RENDERERS = {"pdf": notices.notice_pdf, "docx": notices.notice_docx}


@login_required
def download(request: HttpRequest, number: str, kind: str, fmt: str) -> HttpResponse:
    case = get_object_or_404(Case, number=number)
    if kind not in notices.KINDS or not can(request.user, "view", case):
        raise Http404("没有这个办件")
    try:
        document = RENDERERS[fmt](case, kind, base_url=request.build_absolute_uri("/"))
    except ApplicationError as exc:
        return render(request, "cases/notices/unavailable.html", {"error": exc}, status=exc.status)
    title = notices.KINDS[kind].title
    return file_response(
        document,
        filename=f"{title}-{case.number}.{fmt}",
        fallback=f"{kind}-{case.number}.{fmt}",
        content_type=documents.MIME[fmt],
    )
