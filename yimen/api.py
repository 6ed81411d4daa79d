"""The HTTP API under /api/v1/: one NinjaAPI, each app adds its router, errors mapped here once.

Every write (POST, PUT, PATCH, DELETE) passes `guard_writes` before anything else looks at it: its body
must be JSON (multipart only for an operation that takes files), else 415 — a page on another site can
send `text/plain` or a form without asking the browser first, but never `application/json`; and a
request a browser sends from a page of another site (its Origin or Referer names another site than
this one or CSRF_TRUSTED_ORIGINS) is refused with 403, unless it carries an API key, which a foreign
page cannot make a browser send without a preflight this API never answers. Staff steps also need the
office session's CSRF token or a key (yimen/org/api_keys.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, re_path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.params.models import FileModel
from ninja.renderers import JSONRenderer

from yimen.core.api_auth import KEY_HEADER
from yimen.core.api_schema import ErrorOut
from yimen.core.errors import ApplicationError
from yimen.core.validation import chinese_errors

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON = "application/json"
MULTIPART = "multipart/form-data"
NOT_JSON = "请求体须为 JSON：请设置 Content-Type: application/json"
FOREIGN = "拒绝来自其他网站的请求（Origin/Referer 不是本站）：跨站写操作须使用接口密钥"
MALFORMED = "请求体格式有误，无法解析"


class ChineseJSONRenderer(JSONRenderer):
    """Chinese as characters, not \\u escapes: readable in logs, curl and the browser."""

    json_dumps_params = {"ensure_ascii": False}


REFUSALS = {
    400: "请求体无法解析（不是有效的 JSON，或 multipart 格式有误）",
    401: "未登录，或接口密钥无效、已过期、已吊销",
    403: "无权进行此操作；或 CSRF 校验失败；或请求来自其他网站；或查询须另填手机号码后四位",
    404: "对象不存在，或您无权查看（两者答复相同）",
    409: "对象已被他人更新（lock_version 不符），或当前状态不允许此操作",
    415: "请求体不是 JSON（Content-Type 须为 application/json）",
    422: "输入有误：message 说明第一条，fields 按字段列出违反的规则",
    429: "尝试或调用次数已达上限，请稍后再试",
}


def _refusals_of(path: str, method: str, operation: dict[str, Any], key_schemes: set[str]) -> set[int]:
    """The refusals an operation can answer, from what it is: signed in or with a key, a write, an object
    named in its path, input to validate. Handlers declare the others (409, 429 of the public budgets)."""
    codes: set[int] = set()
    security = operation.get("security") or []
    if security:
        codes |= {401, 403}
        if any(key_schemes & set(scheme) for scheme in security):
            codes.add(429)
    if method.upper() in WRITES:
        codes |= {400, 403, 415}
    if "{" in path:
        codes.add(404)
    if operation.get("parameters") or operation.get("requestBody"):
        codes.add(422)
    return codes


class YimenAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[Any], str, str]:
        """Ninja's routes, then a JSON 404 for any other path under the API (Django's would be HTML)."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = self._json_not_allowed(pattern.callback)
        return [*patterns, re_path(r"^", self._no_such_path)], app_name, namespace

    def _json_not_allowed(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        """Ninja answers a method a path does not take with a plain-text 405; the API answers JSON."""

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if response.status_code == 405 and not response["Content-Type"].startswith(JSON):
                allowed = response["Allow"]
                message = f"该接口不支持 {request.method} 方法（可用：{allowed}）"
                response = self.create_response(request, {"message": message, "fields": {}}, status=405)
                response["Allow"] = allowed
            return response

        return wrapped

    def _no_such_path(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.create_response(request, {"message": "没有该接口", "fields": {}}, status=404)

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Ninja's schema, with every operation's refusals documented with the one error body."""
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorOut", ErrorOut.model_json_schema())
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        schemes = schema["components"].get("securitySchemes", {})
        key_schemes = {name for name, scheme in schemes.items() if scheme.get("name") == KEY_HEADER}
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                responses = operation.setdefault("responses", {})
                for code in _refusals_of(path, method, operation, key_schemes):
                    responses.setdefault(code, {"content": error})
                for code in REFUSALS.keys() & responses.keys():
                    responses[code]["description"] = REFUSALS[code]
                operation["responses"] = dict(sorted(responses.items()))
        return schema


api = YimenAPI(
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
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = "请求体不是有效的 JSON，无法解析"
    return api.create_response(request, {"message": message, "fields": {}}, status=exc.status_code)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else "null"


def _allowed(origin: str, request: HttpRequest) -> bool:
    """Same origin, or one the deployment trusts (CSRF_TRUSTED_ORIGINS; `https://*.example.cn` covers the
    subdomains, as it does for Django's own CSRF check)."""
    if origin == f"{request.scheme}://{request.get_host()}".lower():
        return True
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        trusted = trusted.lower()
        if origin == trusted:
            return True
        if "://*." in trusted:
            scheme, _, domain = trusted.partition("://*.")
            if origin.startswith(f"{scheme}://") and origin.endswith(f".{domain}"):
                return True
    return False


def foreign_site(request: HttpRequest) -> bool:
    """A browser names the page a write came from (Origin; Referer in older ones); a program sends
    neither, and is then no cross-site forgery."""
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer")
        if not referer:
            return False
        origin = _origin(referer)
    return not _allowed(origin.strip().lower(), request)


def _takes_files(operation: Any) -> bool:
    return any(issubclass(model, FileModel) for model in getattr(operation, "models", []))


def write_refusal(request: HttpRequest, takes_files: bool) -> tuple[int, str] | None:
    """Why a write is refused before it is read (GB/T 22239-2019 8.1.4.4 d; OWASP ASVS 13.2.3, 13.2.5),
    as (status, message), or None."""
    if request.method not in WRITES:
        return None
    media = (request.content_type or "").lower()
    if media == MULTIPART:
        try:
            request.POST  # noqa: B018 - parsed here, so a broken body is a 400 and not a traceback later
        except MultiPartParserError:
            return 400, MALFORMED
        if not takes_files:
            return 415, NOT_JSON
    elif media != JSON:
        return 415, NOT_JSON
    if KEY_HEADER not in request.headers and foreign_site(request):
        return 403, FOREIGN
    return None


def guard_writes(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wraps each operation's run (before authentication and parsing) with `write_refusal`."""
    takes_files = _takes_files(getattr(run, "__self__", None))

    @wraps(run)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = write_refusal(request, takes_files)
        if refusal is not None:
            status, message = refusal
            return api.create_response(request, {"message": message, "fields": {}}, status=status)
        return run(request, *args, **kwargs)

    return guarded


def _routers() -> list[tuple[str, Any]]:
    from yimen.cases.api import router as cases_router
    from yimen.cases.api import stats_router
    from yimen.catalog.api import router as items_router
    from yimen.certificates.api import router as certificates_router
    from yimen.core.api import router as calendar_router
    from yimen.core.identity_api import router as identity_router
    from yimen.core.sms_api import router as sms_router
    from yimen.disclosure.api import router as disclosure_router
    from yimen.exchange.api import router as exchange_router
    from yimen.opendata.api import router as opendata_router
    from yimen.org import api_keys  # noqa: F401 - registers the check of machine clients' keys
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
        ("/certificates", certificates_router),
        ("/opendata", opendata_router),
        ("/exchange", exchange_router),
    ]


api.add_decorator(guard_writes, mode="view")
for prefix, router in _routers():
    api.add_router(prefix, router)
