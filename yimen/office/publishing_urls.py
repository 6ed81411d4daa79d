"""The office's proactive-disclosure pages, included by the project at office/publishing/."""

from django.urls import path

from yimen.office import publishing_catalogue_views as catalogue_views
from yimen.office import publishing_views as views

app_name = "office_publishing"

urlpatterns = [
    path("", views.publication_list, name="list"),
    path("new/", views.publication_new, name="new"),
    path("<int:pk>/", views.publication_detail, name="detail"),
    path("<int:pk>/edit/", views.publication_edit, name="edit"),
    path("<int:pk>/<slug:action>/", views.publication_action, name="action"),
    path("files/<int:pk>/", views.attachment_file, name="file"),
    path("review/", views.review_queue, name="review_queue"),
    path("due/", views.due, name="due"),
    path("catalogue/", catalogue_views.catalogue, name="catalogue"),
    path("catalogue/create/", catalogue_views.catalogue_create, name="catalogue_create"),
    path("catalogue/nodes/new/", catalogue_views.node_add, name="node_add"),
    path("catalogue/nodes/<int:pk>/", catalogue_views.node_edit, name="node"),
    path("catalogue/guide/", catalogue_views.guide_settings, name="guide_settings"),
]
