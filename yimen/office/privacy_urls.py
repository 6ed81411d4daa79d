"""The office's 个人信息权利申请 pages, included by the project at office/privacy/."""

from django.urls import path

from yimen.office import privacy_views as views

app_name = "office_privacy"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/copy.json", views.copy, name="copy"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
