"""政务公开 on the portal, included by the project at open/."""

from django.urls import URLPattern, path

from yimen.portal import publishing_search_views
from yimen.portal import publishing_views as views
from yimen.publishing.feeds import PublicationAtom, PublicationRss

app_name = "publishing"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/files/<int:file_id>/", views.attachment, name="attachment"),
    path("<int:pk>/versions/<int:number>/", views.version, name="version"),
    path("org/<str:code>/", views.organisation, name="organisation"),
    path("org/<str:code>/guide/", views.guide, name="guide"),
    path("org/<str:code>/<slug:node>/", views.organisation, name="node"),
    # Search and syndication
    path("search/", publishing_search_views.search, name="search"),
    path("upper-news/", publishing_search_views.upper_news, name="upper_news"),
    path("feeds/rss.xml", PublicationRss(), name="rss"),
    path("feeds/atom.xml", PublicationAtom(), name="atom"),
    path("feeds/<str:org>/rss.xml", PublicationRss(), name="org_rss"),
    path("feeds/<str:org>/atom.xml", PublicationAtom(), name="org_atom"),
    path("feeds/<str:org>/<slug:node>/rss.xml", PublicationRss(), name="node_rss"),
    path("feeds/<str:org>/<slug:node>/atom.xml", PublicationAtom(), name="node_atom"),
]
