from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from yimen.api import api

admin.site.site_header = "一门 · 系统管理"
admin.site.site_title = "一门"
admin.site.index_title = "基础数据"

urlpatterns = [
    path("api/v1/", api.urls),
    path("office/catalog/", include("yimen.office.catalog_urls")),
    path("office/supervision/", include("yimen.office.supervision_urls")),
    path("office/cases/notices/", include("yimen.office.case_notice_urls")),
    path("office/cases/", include("yimen.office.case_urls")),
    path("office/workorders/", include("yimen.office.workorder_urls")),
    path("office/publishing/", include("yimen.office.publishing_urls")),
    path("office/disclosure/", include("yimen.office.disclosure_urls")),
    path("office/reports/", include("yimen.office.report_urls")),
    path("office/privacy/", include("yimen.office.privacy_urls")),
    path("office/certificates/", include("yimen.office.certificate_urls")),
    path("office/opendata/", include("yimen.office.opendata_urls")),
    path("office/exchange/", include("yimen.office.exchange_urls")),
    path("office/", include("yimen.office.urls")),
    # One way in, with one lockout: the admin's own sign-in form would count no failures and let a locked
    # account in, so its sign-in (and its sign-out's "log in again") goes to the office's, keeping `next`.
    path("admin/login/", RedirectView.as_view(pattern_name="office:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("guide/", include("yimen.portal.catalog_urls")),
    path("evaluate/", include("yimen.portal.evaluation_urls")),
    path("cases/", include("yimen.portal.case_urls")),
    path("open/", include("yimen.portal.publishing_urls")),
    path("disclosure/", include("yimen.portal.disclosure_urls")),
    path("reports/", include("yimen.portal.report_urls")),
    path("privacy/", include("yimen.portal.privacy_urls")),
    path("certificates/", include("yimen.portal.certificate_urls")),
    path("combined/", include("yimen.portal.combined_urls")),
    path("opendata/", include("yimen.portal.opendata_urls")),
    path("open311/", include("yimen.portal.open311_urls")),
    path("", include("yimen.portal.syndication_urls")),
    path("", include("yimen.portal.urls")),
]
