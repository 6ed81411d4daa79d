from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from yimen.org.models import Window
from yimen.org.queries import units_with_windows
from yimen.portal.context import LARGE_TEXT_COOKIE


def home(request: HttpRequest) -> HttpResponse:
    units = units_with_windows()
    return render(
        request,
        "portal/home.html",
        {"unit_count": units.count(), "window_count": Window.objects.filter(is_active=True).count()},
    )


def units(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/units.html", {"units": units_with_windows()})


def toggle_large_text(request: HttpRequest) -> HttpResponse:
    """适老化: large text on or off, kept in a cookie for a year so it survives reloads and visits."""
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.COOKIES.get(LARGE_TEXT_COOKIE) == "1":
        response.delete_cookie(LARGE_TEXT_COOKIE)
    else:
        response.set_cookie(LARGE_TEXT_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    return response
