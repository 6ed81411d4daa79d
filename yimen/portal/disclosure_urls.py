"""依申请公开 on the portal, mounted by the site at path("disclosure/", include(...))."""

from django.urls import path

from yimen.portal import disclosure_views as views

app_name = "disclosure"
urlpatterns = [
    path("", views.apply, name="apply"),
    path("received/", views.done, name="done"),
    path("track/", views.track, name="track"),
    path("track/<str:number>/", views.status, name="status"),
    path("track/<str:number>/supplement/", views.supplement, name="supplement"),
    path("track/<str:number>/letter.<str:fmt>", views.letter, name="letter"),
]
