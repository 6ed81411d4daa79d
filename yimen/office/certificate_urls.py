"""The office's 电子证照 pages, included by the project at office/certificates/."""

from django.urls import path

from yimen.office import certificate_views as views

app_name = "office_certificates"
urlpatterns = [
    path("", views.certificate_list, name="list"),
    path("types/", views.type_list, name="types"),
    path("types/new/", views.type_new, name="type_new"),
    path("types/<int:pk>/", views.type_edit, name="type_edit"),
    path("<int:pk>/", views.certificate_detail, name="detail"),
    path("<int:pk>/reveal/", views.certificate_reveal, name="reveal"),
    path("<int:pk>/file/<slug:kind>/", views.certificate_file, name="file"),
    path("<int:pk>/<slug:action>/", views.certificate_act, name="act"),
]
