from django.urls import path

from yimen.portal import apply_views
from yimen.portal import catalog_views as views

app_name = "catalog"
urlpatterns = [
    path("", views.index, name="index"),
    path("reforms/", views.reforms, name="reforms"),
    path("forms/<int:file_id>/", views.form_file, name="form_file"),
    path("<str:code>/", views.item, name="item"),
    path("<str:code>/v<int:number>/", views.item_version, name="item_version"),
    path("<str:code>/print.pdf", views.item_pdf, name="print"),
    path("<str:code>/apply/", apply_views.apply, name="apply"),
]
