"""The HTTP API under /api/v1/: one NinjaAPI, each app adds its router, errors mapped here once."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from yimen.core.errors import ApplicationError
from yimen.core.validation import chinese_errors


class ChineseJSONRenderer(JSONRenderer):
    """Chinese as characters, not \\u escapes: readable in logs, curl and the browser."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="一门 Yimen API",
    version="1.0",
    description="政务服务与政府信息公开平台接口。错误以中文返回：`{message, fields}`。",
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = chinese_errors(exc.errors, request.path)
    first = next(iter(fields.values()))[0] if fields else "请求参数有误"
    return api.create_response(request, {"message": first, "fields": fields}, status=422)


@api.exception_handler(ApplicationError)
def _refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"message": "请先登录", "fields": {}}, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"message": str(exc), "fields": {}}, status=exc.status_code)


def _routers() -> list[tuple[str, Any]]:
    from yimen.cases.api import router as cases_router
    from yimen.cases.api import stats_router
    from yimen.catalog.api import router as items_router
    from yimen.core.api import router as calendar_router
    from yimen.core.identity_api import router as identity_router
    from yimen.core.sms_api import router as sms_router
    from yimen.disclosure.api import router as disclosure_router
    from yimen.publishing.api import router as publications_router
    from yimen.reports.api import router as reports_router

    return [
        ("/calendar", calendar_router),
        ("/identity", identity_router),
        ("/items", items_router),
        ("/sms", sms_router),
        ("/cases", cases_router),
        ("/stats", stats_router),
        ("/publications", publications_router),
        ("/disclosure-requests", disclosure_router),
        ("/reports", reports_router),
    ]


for prefix, router in _routers():
    api.add_router(prefix, router)
