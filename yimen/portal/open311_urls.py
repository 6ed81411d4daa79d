"""Open311 GeoReport v2, mounted by the site at path("open311/", include(...))."""

from django.urls import path

from yimen.portal import open311_views as views

app_name = "open311"
urlpatterns = [
    path("discovery.<str:fmt>", views.discovery, name="discovery"),
    path("v2/services.<str:fmt>", views.services, name="services"),
    path("v2/requests.<str:fmt>", views.requests, name="requests"),
    path("v2/requests/<str:number>.<str:fmt>", views.request_detail, name="request"),
]
