"""好差评 on the portal, included by the project at evaluate/."""

from django.urls import path

from yimen.portal import evaluation_views as views

app_name = "evaluate"
urlpatterns = [
    path("stats/", views.stats, name="stats"),
    path("<str:token>/", views.case, name="case"),
]
