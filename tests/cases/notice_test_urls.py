"""The site's URLs with the case notices mounted where the lead mounts them (office/cases/notices/), and a
stand-in 好差评 page named evaluate:case while the real one is not registered."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, URLPattern, URLResolver, include, path, reverse

from yimen import urls as site_urls


def _registered(name: str, *args: str) -> bool:
    try:
        reverse(name, urlconf="yimen.urls", args=args)
    except NoReverseMatch:
        return False
    return True


def _evaluate(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse("好差评")


urlpatterns: list[URLPattern | URLResolver] = []
if not _registered("case_notices:pdf", "X", "accepted"):
    urlpatterns.append(path("office/cases/notices/", include("yimen.cases.notice_urls")))
if not _registered("evaluate:case", "token"):
    urlpatterns.append(
        path("evaluate/", include(([path("<str:token>/", _evaluate, name="case")], "evaluate")))
    )
urlpatterns += site_urls.urlpatterns
