"""依申请公开 in the office, mounted by the project at office/disclosure/."""

from django.urls import path

from yimen.office import disclosure_excel_views as excel
from yimen.office import disclosure_views as views

app_name = "office_disclosure"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("new/", views.intake, name="intake"),
    path("export/", excel.export, name="export"),
    path("import/", excel.import_view, name="import"),
    path("import/template/", excel.template, name="import_template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/letter.<str:fmt>", views.letter, name="letter"),
    path("<int:pk>/<slug:action>/", views.act, name="action"),
]
