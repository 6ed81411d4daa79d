"""The portal's 年度报告 and public statistics pages, included by the project at reports/."""

from django.urls import path

from yimen.portal import report_views as views

app_name = "reports"
urlpatterns = [
    path("", views.annual_index, name="annual_index"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics.xlsx", views.statistics_export, name="statistics_export"),
    path("<slug:code>/<int:year>/", views.annual_detail, name="annual_detail"),
    path("<slug:code>/<int:year>/report.<str:fmt>", views.annual_download, name="annual_download"),
]
