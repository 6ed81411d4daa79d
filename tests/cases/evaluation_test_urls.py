"""The site's URLs with the 好差评 pages mounted as the lead mounts them (evaluate/, office/workorders/).

Until yimen/urls.py includes them, and after, the evaluation tests use this urlconf; a namespace the
site already mounts is not mounted twice.
"""

from __future__ import annotations

from django.urls import include, path

from yimen import urls as site_urls

_mounted = {getattr(pattern, "namespace", None) for pattern in site_urls.urlpatterns}
urlpatterns = [
    *([path("evaluate/", include("yimen.portal.evaluation_urls"))] if "evaluate" not in _mounted else []),
    *(
        [path("office/workorders/", include("yimen.office.workorder_urls"))]
        if "office_workorders" not in _mounted
        else []
    ),
    *site_urls.urlpatterns,
]
