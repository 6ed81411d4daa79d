"""Site-wide syndication at the root: sitemap.xml (feeds live under /open/)."""

from django.urls import URLPattern, path

from yimen.portal import sitemap_views

app_name = "syndication"

urlpatterns: list[URLPattern] = [
    path("sitemap.xml", sitemap_views.index, name="sitemap"),
    path("sitemap-<str:name>.xml", sitemap_views.section, name="section"),
]
