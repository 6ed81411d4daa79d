"""The office's 差评整改工单 pages, included by the project at office/workorders/."""

from django.urls import path

from yimen.office import workorder_views as views

app_name = "office_workorders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("overdue/", views.overdue, name="overdue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
