"""The site's URLs with the supervision pages at office/supervision/ and the cases API at api/v1/cases and
api/v1/stats, mounted as the lead mounts them; until those lines land (and harmlessly after), the
supervision, statistics and API tests use this urlconf.

The API is a test NinjaAPI carrying the site API's renderer and error handlers, so answers and status
codes are the ones the real /api/v1/ gives.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from ninja import NinjaAPI

from yimen import urls as site_urls
from yimen.api import api as site_api
from yimen.cases.api import router, stats_router

cases_api = NinjaAPI(renderer=site_api.renderer, urls_namespace="cases_test", docs_url=None, openapi_url=None)
for exc_class, handler in site_api._exception_handlers.items():
    cases_api.add_exception_handler(exc_class, handler)
cases_api.add_router("/cases", router)
cases_api.add_router("/stats", stats_router)

_mounted = any(
    getattr(pattern, "namespace", None) == "office_supervision" for pattern in site_urls.urlpatterns
)
urlpatterns: list[URLPattern | URLResolver] = [path("api/v1/", cases_api.urls)]
if not _mounted:
    urlpatterns.append(path("office/supervision/", include("yimen.office.supervision_urls")))
urlpatterns += site_urls.urlpatterns
