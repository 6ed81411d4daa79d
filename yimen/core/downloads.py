"""Files handed to the browser under Chinese names."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse


def file_response(
    content: bytes, *, filename: str, fallback: str, content_type: str, inline: bool = False
) -> HttpResponse:
    """`content` as a download (or shown inline) named `filename`: RFC 6266 with RFC 5987's filename*,
    and the ASCII `fallback` for clients that cannot read it. The browser must not guess the type."""
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
