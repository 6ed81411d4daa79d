"""Downloads of a case's notices for the office: staff who may see the case get the PDF or the DOCX;
anyone else gets 404, so a case number reveals nothing."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from yimen.cases import notices
from yimen.cases.models import Case
from yimen.core.errors import ApplicationError
from yimen.org.permissions import can

RENDERERS = {"pdf": notices.notice_pdf, "docx": notices.notice_docx}


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition for a Chinese file name (RFC 6266 with RFC 5987's filename*), and an ASCII name
    for clients that cannot read it."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@login_required
def download(request: HttpRequest, number: str, kind: str, fmt: str) -> HttpResponse:
    case = get_object_or_404(Case, number=number)
    if kind not in notices.KINDS or not can(request.user, "view", case):
        raise Http404("没有这个办件")
    try:
        document = RENDERERS[fmt](case, kind, base_url=request.build_absolute_uri("/"))
    except ApplicationError as exc:
        return render(request, "cases/notices/unavailable.html", {"error": exc}, status=exc.status)
    response = HttpResponse(document, content_type=notices.MIME[fmt])
    title = notices.KINDS[kind].title
    response["Content-Disposition"] = attachment(
        f"{title}-{case.number}.{fmt}", f"{kind}-{case.number}.{fmt}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
