"""The office's catalogue pages, included by the project at office/catalog/."""

from django.urls import path

from yimen.office import catalog_views as views
from yimen.office import combined_views

app_name = "office_catalog"
urlpatterns = [
    path("", views.item_list, name="items"),
    path("new/", views.item_new, name="item_new"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:pk>/diff/", views.version_diff, name="version_diff"),
    path("versions/<int:pk>/<slug:action>/", views.version_action, name="version_action"),
    path("queue/legal/", views.queue_legal, name="queue_legal"),
    path("queue/reform/", views.queue_reform, name="queue_reform"),
    path("combined/", combined_views.service_list, name="combined_list"),
    path("combined/new/", combined_views.service_new, name="combined_new"),
    path("combined/<int:pk>/", combined_views.service_detail, name="combined"),
    path("combined/<int:pk>/edit/", combined_views.service_edit, name="combined_edit"),
    path("combined/<int:pk>/<slug:action>/", combined_views.service_action, name="combined_action"),
]
