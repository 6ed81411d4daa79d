"""Who may call the API's non-public operations: a machine client with its key, or a signed-in staff
member whose browser sends the office session's CSRF token — never a session without it.

A key travels in the X-API-Key header (a header a page of another site cannot make a browser send
without a CORS preflight this API never answers). It is checked against its keyed digest, its expiry,
its revocation, its scopes and its calls per minute; every use and every refusal of a known key is
audited (`apikey.used`, `apikey.refused`); wrong keys from one address are counted like failed lookups.
A request made with a key acts as the key's staff account, narrowed to the key's organisations
(`key_reaches`, `key_narrowed`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import SessionAuth
from ninja.utils import check_csrf

from yimen.core import api_auth
from yimen.core.api_auth import ClientKey
from yimen.core.throttle import Budget, client_address
from yimen.org import services
from yimen.org.models import ApiKey, ApiScope, Staff
from yimen.org.permissions import organisation_of, subtree

INVALID = "接口密钥无效"
CSRF_FAILED = "CSRF 校验失败：请刷新页面后重试（请求须在 X-CSRFToken 中带上 csrftoken）"
WRONG_KEYS = Budget("api:key-fail", lambda: 20, 15 * 60, "接口密钥错误次数过多，请15分钟后再试")


def _per_key(key: ApiKey) -> Budget:
    return Budget("api:key-use", lambda: key.per_minute, 60, "该接口密钥每分钟调用次数已达上限，请稍后再试")


def refusal(key: ApiKey, scope: ApiScope) -> tuple[int, str] | None:
    """Why a key whose secret is right may not call an operation of `scope` now, or None."""
    if key.revoked_at is not None:
        return 401, "接口密钥已吊销"
    if key.expires_at <= timezone.now():
        return 401, "接口密钥已过期"
    if scope not in key.scopes:
        return 403, f"该接口密钥无权调用此接口（需要“{scope.label}”权限）"
    if key.staff is not None and not key.staff.is_active:
        return 403, "该接口密钥代表的账户已停用"
    return None


def check_key(request: HttpRequest, key: str, scope: str) -> Any:
    """The account a request with `key` acts as (the key itself for one without an account), for an
    operation of `scope`; 401, 403 or 429 otherwise."""
    address = client_address(request)
    if WRONG_KEYS.exhausted(address):
        raise HttpError(429, WRONG_KEYS.message)
    found = services.api_key_for(key)
    if found is None:
        WRONG_KEYS.take(address)
        raise HttpError(401, INVALID)
    refused = refusal(found, ApiScope(scope))
    if refused is not None:
        services.record_api_key_use(key=found, request=f"{request.method} {request.path}", refused=refused[1])
        raise HttpError(*refused)
    budget = _per_key(found)
    if budget.take(found.key_id) is None:
        raise HttpError(429, budget.message)
    services.record_api_key_use(key=found, request=f"{request.method} {request.path}")
    request.api_key = found  # type: ignore[attr-defined]
    return found.staff or found


class OfficeSession(SessionAuth):
    """The office's session, with Django's CSRF check (token, and Origin/Referer over HTTPS) on writes."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, CSRF_FAILED)
        return request.COOKIES.get(self.param_name)


api_auth.register(check_key)


def staff_auth(scope: ApiScope) -> list[Any]:
    """A key of `scope`, or the office session with its CSRF token."""
    return [ClientKey(scope), OfficeSession()]


def acting_staff(request: HttpRequest) -> Staff:
    """The staff member a request acts as: the one signed in, or the key's account."""
    who = getattr(request, "auth", None)
    assert isinstance(who, Staff)
    return who


def _reach(key: ApiKey) -> set[int]:
    found: set[int] = set()
    for org_id in key.organisations.values_list("pk", flat=True):
        found |= subtree(org_id)
    return found


def key_reaches(request: HttpRequest, obj: Any) -> bool:
    """Whether the request's key (if any) covers `obj`'s organisation; a session is not narrowed."""
    key = getattr(request, "api_key", None)
    return key is None or organisation_of(obj) in _reach(key)


def key_narrowed(request: HttpRequest, organisations: set[int] | None) -> set[int] | None:
    """`organisations` (None: all) narrowed to what the request's key covers."""
    key = getattr(request, "api_key", None)
    if key is None:
        return organisations
    reach = _reach(key)
    return reach if organisations is None else organisations & reach
