"""The office's 数据交换 pages, included by the project at office/exchange/."""

from django.urls import path

from yimen.office import exchange_views as views

app_name = "office_exchange"
urlpatterns = [
    path("", views.target_list, name="targets"),
    path("new/", views.target_new, name="target_new"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("reconciliations/", views.reconciliation_list, name="reconciliations"),
    path("deliveries/<int:pk>/requeue/", views.delivery_requeue, name="requeue"),
    path("<int:pk>/", views.target_detail, name="target"),
    path("<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("<int:pk>/enable/", views.target_enable, name="target_enable"),
    path("<int:pk>/disable/", views.target_disable, name="target_disable"),
    path("<int:pk>/requeue-dead/", views.target_requeue_dead, name="requeue_dead"),
]
