"""个人信息保护 on the portal, mounted by the site at path("privacy/", include(...))."""

from django.urls import path

from yimen.portal import privacy_views as views

app_name = "privacy"
urlpatterns = [
    path("", views.notice, name="notice"),
    path("request/", views.request_form, name="request"),
    path("request/received/", views.done, name="done"),
    path("track/", views.track, name="track"),
    path("track/<str:number>/", views.status, name="status"),
    path("track/<str:number>/copy.json", views.copy, name="copy"),
]
