"""Upload sizes enforced while the request body arrives, not after it has been read (OWASP ASVS 4.0.3
V12.1.1; GB/T 22239-2019 8.1.4.4 d).

- `RequestSizeMiddleware` answers 413 to a body whose Content-Length is larger than one application's
  files may be in all (YIMEN["UPLOAD_MAX_TOTAL_BYTES"]) plus the form's fields
  (DATA_UPLOAD_MAX_MEMORY_SIZE), before any of it is read: before the session, CSRF or a view looks at it.
- `LimitedUploadHandler`, first of FILE_UPLOAD_HANDLERS, counts each file's bytes as they arrive. Past
  YIMEN["UPLOAD_MAX_BYTES"] the rest of that file is dropped as it comes (the memory or temporary file
  kept so far is closed, so nothing of it stays in memory or on disk) and its field receives an empty
  `TooLarge` file carrying the size received, so the form's own check (`core.files.recognise`) names the
  field and the limit in Chinese while the other fields are still read.

Files larger than FILE_UPLOAD_MAX_MEMORY_SIZE wait in FILE_UPLOAD_TEMP_DIR while the request runs; Django
closes, and so deletes, them when the response is closed (security.md goal 30, 8.1.4.10 剩余信息保护).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from yimen.core.files import megabytes


def request_limit() -> int:
    """The largest body accepted: one application's files and the form's fields."""
    return int(settings.YIMEN["UPLOAD_MAX_TOTAL_BYTES"]) + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


class RequestSizeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = request_limit()
        if length > limit:
            return too_large(request, limit)
        return self.get_response(request)


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    message = f"提交的内容超过 {megabytes(limit)}，未被接收：每个文件最多 {megabytes(settings.YIMEN['UPLOAD_MAX_BYTES'])}，一次合计最多 {megabytes(settings.YIMEN['UPLOAD_MAX_TOTAL_BYTES'])}，请压缩或分批上传"
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"message": message, "fields": {}}, status=413, json_dumps_params={"ensure_ascii": False}
        )
    page = render_to_string("core/too_large.html", {"message": message})
    return HttpResponse(page, status=413)


class TooLarge(UploadedFile):
    """A file cut off at the limit: no content, the size received."""

    def __init__(self, *, name: str, content_type: str | None, size: int, charset: str | None):
        super().__init__(io.BytesIO(b""), name, content_type, size, charset)

    def close(self) -> None:
        return None


class LimitedUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.over = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received <= settings.YIMEN["UPLOAD_MAX_BYTES"]:
            return raw_data
        if not self.over:
            self.over = True
            for handler in self.request.upload_handlers if self.request is not None else ():
                kept = getattr(handler, "file", None)
                if handler is not self and kept is not None:
                    kept.close()  # a temporary file is deleted as it closes
        return None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.over:
            return None
        return TooLarge(
            name=self.file_name or "",
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
        )
