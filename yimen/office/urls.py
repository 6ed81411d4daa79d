from django.urls import path

from yimen.office import api_key_views, audit_views, catalog_excel_views, hold_views, views

app_name = "office"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("logout/", views.logout_view, name="logout"),
    path("security/", views.security, name="security"),
    path("password/", views.password_change, name="password_change"),
    path("calendar/", views.calendar_year, name="calendar"),
    path("calendar/notice/", views.calendar_notice, name="calendar_notice"),
    path("calendar/day/", views.calendar_day, name="calendar_day"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("audit/export.<str:fmt>", audit_views.audit_export, name="audit_export"),
    path("audit/anchors/", audit_views.anchor_export, name="audit_anchors"),
    path("api-keys/", api_key_views.api_keys, name="api_keys"),
    path("api-keys/<int:pk>/revoke/", api_key_views.revoke_api_key, name="api_key_revoke"),
    path("holds/", hold_views.holds, name="holds"),
    path("holds/<int:pk>/release/", hold_views.release, name="hold_release"),
    path("catalog/import/", catalog_excel_views.import_view, name="catalog_import"),
    path("catalog/export/", catalog_excel_views.export_view, name="catalog_export"),
]
