"""Open311 GeoReport v2, read only and JSON only, mounted at /open311/: the discovery document, the
services (published items) and the requests (cases' public status; exchange.open311).

No key is needed and nothing personal is served. Every call counts against its address's budget
(429 with Retry-After). A refusal answers as the specification's error list, `[{"code", "description"}]`,
the description in Chinese naming the parameter and the rule; `.xml` is answered 404 saying that only
JSON is offered.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from yimen.cases.transitions import centre_name
from yimen.core.throttle import client_address
from yimen.exchange import open311
from yimen.exchange.open311 import Refused

View = Callable[..., JsonResponse]
JSON_ONLY = "仅提供 JSON 格式：请把地址结尾的 .{fmt} 改为 .json"
NOT_PUBLIC = "没有该办件编号的公开办件（未受理、已撤件或编号有误）"


def _json(data: Any, *, status: int = 200, max_age: int = 60) -> JsonResponse:
    response = JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = f"public, max-age={max_age}" if status == 200 else "no-store"
    return response


def _error(status: int, description: str) -> JsonResponse:
    return _json([{"code": status, "description": description}], status=status)


def georeport(view: View) -> View:
    """GET only, JSON only, within the address's budget; a `Refused` becomes the error list."""

    @require_GET
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> JsonResponse:
        if fmt != "json":
            return _error(404, JSON_ONLY.format(fmt=fmt[:10]))
        if open311.CALLS.take(client_address(request)) is None:
            response = _error(429, open311.CALLS.message)
            response["Retry-After"] = str(open311.CALLS.window_seconds)
            return response
        try:
            return view(request, *args, **kwargs)
        except Refused as refused:
            return _error(refused.status, refused.description)

    return wrapped


@georeport
def discovery(request: HttpRequest) -> JsonResponse:
    """Where the GeoReport v2 endpoint is and what it speaks (Open311 service discovery)."""
    base = str(settings.YIMEN["PUBLIC_BASE_URL"]).rstrip("/")
    services = reverse("open311:services", kwargs={"fmt": "json"})
    changed = open311.iso(open311.changeset())
    return _json(
        {
            "changeset": changed,
            "contact": f"{centre_name()}（只读接口，无需申请密钥）",
            "key_service": "不需要：本接口只读、公开，不接受提交",
            "endpoints": [
                {
                    "specification": open311.SPECIFICATION,
                    "url": base + services.rsplit("/", 1)[0],
                    "changeset": changed,
                    "type": "production",
                    "formats": ["application/json"],
                }
            ],
        },
        max_age=3600,
    )


@georeport
def services(request: HttpRequest) -> JsonResponse:
    return _json(open311.services(), max_age=300)


@georeport
def requests(request: HttpRequest) -> JsonResponse:
    # A parameter declared several times (status=open&status=closed) is its values comma delimited.
    params = {name: ",".join(request.GET.getlist(name)) for name in request.GET}
    return _json(open311.requests(open311.request_filter(params)))


@georeport
def request_detail(request: HttpRequest, number: str) -> JsonResponse:
    found = open311.request(number[:80])
    if found is None:
        return _error(404, NOT_PUBLIC)
    return _json([found])
