"""Site-wide syndication at the root: sitemap.xml (feeds live under /open/)."""

from django.urls import URLPattern

app_name = "syndication"

urlpatterns: list[URLPattern] = []
