"""The site's URLs with the public case pages mounted at /cases/, as the lead mounts them in yimen/urls.py.

Until that include() lands (and harmlessly after), the case page tests use this urlconf.
"""

from __future__ import annotations

from django.urls import include, path

from yimen import urls as site_urls

_mounted = any(getattr(pattern, "namespace", None) == "cases" for pattern in site_urls.urlpatterns)
urlpatterns = (
    list(site_urls.urlpatterns)
    if _mounted
    else [path("cases/", include("yimen.portal.case_urls")), *site_urls.urlpatterns]
)
