"""The office's annual report and statistics pages, included by the project at office/reports/."""

from django.urls import path

from yimen.office import certificate_stats_views as certificate_stats
from yimen.office import report_dashboard_views as dashboard
from yimen.office import report_enforcement_views as enforcement
from yimen.office import report_views as views

app_name = "office_reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("start/", views.report_start, name="start"),
    path("dashboard/", dashboard.office_dashboard, name="dashboard"),
    path("dashboard.xlsx", dashboard.office_dashboard_export, name="dashboard_export"),
    path("certificate-reuse/", certificate_stats.reuse_stats, name="certificate_reuse"),
    path("enforcement/", enforcement.enforcement_list, name="enforcement"),
    path("enforcement/add/", enforcement.enforcement_add, name="enforcement_add"),
    path("enforcement/import/", enforcement.enforcement_import, name="enforcement_import"),
    path("enforcement/template.xlsx", enforcement.enforcement_template, name="enforcement_template"),
    path("enforcement/<int:pk>/delete/", enforcement.enforcement_delete, name="enforcement_delete"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/narrative/", views.report_narrative, name="narrative"),
    path("<int:pk>/records/", views.report_records, name="records"),
    path("<int:pk>/report.<str:fmt>", views.report_download, name="download"),
    path("<int:pk>/<slug:action>/", views.report_action, name="action"),
]
