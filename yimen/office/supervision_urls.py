"""电子监察 and 办件统计 in the office, included by the project at office/supervision/."""

from django.urls import path

from yimen.office import supervision_views as views

app_name = "office_supervision"
urlpatterns = [
    path("", views.board, name="board"),
    path("stats/", views.statistics, name="stats"),
    path("stats/export/", views.statistics_export, name="stats_export"),
]
