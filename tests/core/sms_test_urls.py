"""The site's URLs, with the SMS delivery-report API and the SMS admin mounted in front of them.

yimen/api.py and core/admin.py (the lead's) mount these for the real site; until then, and after,
the SMS tests use this urlconf so they do not depend on the order modules were imported in.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import path
from ninja import NinjaAPI

import yimen.core.admin_sms  # noqa: F401  (registers the SMS admin before the admin's URLs are built)
from yimen import urls as site_urls
from yimen.api import api as site_api
from yimen.core.sms_api import router

sms_api = NinjaAPI(renderer=site_api.renderer, urls_namespace="sms_test", docs_url=None, openapi_url=None)
for exc_class, handler in site_api._exception_handlers.items():
    sms_api.add_exception_handler(exc_class, handler)
sms_api.add_router("/sms", router)

urlpatterns = [path("api/v1/", sms_api.urls), path("admin/", admin.site.urls), *site_urls.urlpatterns]
