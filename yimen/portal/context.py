"""Template context every portal and office page shares: the centre, the navigation, text size."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from yimen.org.queries import centre
from yimen.portal.nav import available_sections

LARGE_TEXT_COOKIE = "yimen_large_text"


def portal(request: HttpRequest) -> dict[str, Any]:
    info = cache.get("portal:centre")
    if info is None:
        org = centre()
        info = {
            "name": org.name if org else "政务服务中心",
            "address": org.address if org else "",
            "office_hours": org.office_hours if org else "",
            "contact_phone": org.contact_phone if org else "",
            "supervision_phone": org.supervision_phone if org else "",
        }
        cache.set("portal:centre", info, 60)
    return {
        "centre": info,
        "nav_sections": available_sections(),
        "large_text": request.COOKIES.get(LARGE_TEXT_COOKIE) == "1",
    }
