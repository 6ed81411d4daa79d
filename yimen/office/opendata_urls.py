"""The office's 政务数据开放 pages, included by the project at office/opendata/."""

from django.urls import path

from yimen.office import opendata_views as views

app_name = "office_opendata"
urlpatterns = [
    path("", views.dataset_list, name="list"),
    path("new/", views.new, name="new"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/approve/", views.approve, name="approve"),
    path("applications/<int:pk>/refuse/", views.refuse, name="refuse"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
