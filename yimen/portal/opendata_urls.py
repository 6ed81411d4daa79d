"""政务数据开放 on the portal, mounted by the site at path("opendata/", include(...))."""

from django.urls import path

from yimen.portal import opendata_views as views

app_name = "opendata"
urlpatterns = [
    path("", views.index, name="index"),
    path("catalog.jsonld", views.catalog_jsonld, name="dcat"),
    path("datasets/<int:pk>/", views.dataset, name="dataset"),
    path("datasets/<int:pk>/apply/", views.apply, name="apply"),
    path("datasets/<int:pk>/apply/received/", views.applied, name="applied"),
    path("datasets/<int:pk>/download/<str:fmt>/", views.download, name="download"),
]
