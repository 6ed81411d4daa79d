"""Staff sign-in in steps, and the rules every signed-in request passes (GB/T 22239-2019 8.1.4.1).

A password alone signs in only those who need no second factor. Everyone else (org.permissions.
needs_second_factor) is held *pending* after the password — not signed in, so no page, admin or API
answers them — until a TOTP code from their device is verified (or, the first time, a device enrolled).

`StaffSessionMiddleware` then ends a session after YIMEN["SESSION_IDLE_MINUTES"] without a request or
YIMEN["SESSION_ABSOLUTE_HOURS"] after sign-in (server-side: the row is deleted), refuses a session that
lacks the second factor its account now needs, and sends someone whose password must change to the
password page before any other office, admin or API page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from yimen.core.throttle import client_address
from yimen.org import services as org_services
from yimen.org.models import Staff
from yimen.org.permissions import needs_second_factor

PENDING = "yimen_pending_sign_in"
SIGNED_IN_AT = "yimen_signed_in_at"
SEEN_AT = "yimen_seen_at"
# How long the code step waits after a right password, and how often the idle clock is written.
PENDING_SECONDS = 300
SEEN_GRANULARITY_SECONDS = 60
GUARDED = ("/office/", "/admin/", "/api/")
BACKEND = "django.contrib.auth.backends.ModelBackend"


def begin(request: HttpRequest, staff: Staff, target: str) -> None:
    """The password was right and a code is still needed: remember who, under a fresh session id."""
    request.session.cycle_key()
    request.session[PENDING] = {"staff": staff.pk, "at": time.time(), "next": target}


def pending(request: HttpRequest) -> tuple[Staff, str] | None:
    """The staff member waiting for the code step, and where they were going; None if none or too late."""
    held = request.session.get(PENDING)
    if not held or time.time() - float(held["at"]) > PENDING_SECONDS:
        return None
    staff = Staff.objects.filter(pk=held["staff"], is_active=True).first()
    return (staff, str(held["next"])) if staff else None


def abandon(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)


def complete(request: HttpRequest, staff: Staff, *, device: TOTPDevice | None = None) -> None:
    """Sign in (a new session id: OWASP ASVS 3.2.1), with the verified device when there is one."""
    abandon(request)
    login(request, staff, backend=BACKEND)
    if device is not None:
        django_otp.login(request, device)
    now = time.time()
    request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = now
    org_services.record_login_success(
        staff=staff, address=client_address(request), second_factor=device is not None
    )


def _free_paths() -> set[str]:
    return {reverse(name) for name in ("office:login", "office:logout", "office:password_change")}


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = time.time()
        if SIGNED_IN_AT not in session:  # a session begun another way (the test client's force_login)
            session[SIGNED_IN_AT] = session[SEEN_AT] = now
        idle = now - float(session.get(SEEN_AT, now))
        age = now - float(session[SIGNED_IN_AT])
        if (
            idle > settings.YIMEN["SESSION_IDLE_MINUTES"] * 60
            or age > settings.YIMEN["SESSION_ABSOLUTE_HOURS"] * 3600
        ):
            org_services.record_logout(staff=user, reason="超时")
            return self._sign_out(request, "登录已超时，请重新登录。")
        if needs_second_factor(user) and not user.is_verified():
            org_services.record_logout(staff=user, reason="缺少动态口令")
            return self._sign_out(request, "该账号须使用动态口令登录，请重新登录。")
        if idle >= SEEN_GRANULARITY_SECONDS:
            session[SEEN_AT] = now
        reason = ""
        if request.path.startswith(GUARDED) and request.path not in _free_paths():
            reason = org_services.password_must_change(user)
        if reason and request.path.startswith("/api/"):
            return JsonResponse({"message": reason, "fields": {}}, status=403)
        if reason:
            messages.warning(request, reason)
            return HttpResponseRedirect(reverse("office:password_change"))
        return self.get_response(request)

    def _sign_out(self, request: HttpRequest, message: str) -> HttpResponse:
        logout(request)  # deletes the session row (8.1.4.10 剩余信息保护)
        if not request.path.startswith(("/office/", "/admin/")):
            return self.get_response(request)  # the portal and the API answer as to anyone
        messages.warning(request, message)
        return HttpResponseRedirect(
            f"{reverse('office:login')}?{urlencode({'next': request.get_full_path()})}"
        )
