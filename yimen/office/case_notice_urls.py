"""A case's notices for the office; the project mounts them at office/cases/notices/."""

from django.urls import path

from yimen.office import case_notice_views as views

app_name = "case_notices"
urlpatterns = [
    path("<str:number>/<slug:kind>.pdf", views.download, {"fmt": "pdf"}, name="pdf"),
    path("<str:number>/<slug:kind>.docx", views.download, {"fmt": "docx"}, name="docx"),
]
