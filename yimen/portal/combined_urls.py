"""一件事一次办 on the portal, mounted by the site at path("combined/", include(...))."""

from django.urls import path

from yimen.portal import combined_views as views

app_name = "combined"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.guide, name="guide"),
    path("<str:code>/apply/", views.apply, name="apply"),
]
