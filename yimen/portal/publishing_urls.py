"""政务公开 on the portal, included by the project at open/."""

from django.urls import URLPattern, path

from yimen.portal import publishing_views as views

app_name = "publishing"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/files/<int:file_id>/", views.attachment, name="attachment"),
    path("org/<str:code>/", views.organisation, name="organisation"),
    path("org/<str:code>/guide/", views.guide, name="guide"),
    path("org/<str:code>/<slug:node>/", views.organisation, name="node"),
]
