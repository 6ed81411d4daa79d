"""The project's URLs with the office case pages mounted where the project will mount them."""

from django.urls import include, path

from yimen.urls import urlpatterns as project

mounted = any(getattr(p, "namespace", None) == "office_cases" for p in project)
urlpatterns = project if mounted else [path("office/cases/", include("yimen.office.case_urls")), *project]
