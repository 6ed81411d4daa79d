"""The office's case pages, included by the project at office/cases/."""

from django.urls import path

from yimen.office import case_views as views
from yimen.office import combined_views

app_name = "office_cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("intake/", views.intake, name="intake"),
    path("intake/<int:item_id>/", views.intake_item, name="intake_item"),
    path("reviews/", views.review_queue, name="reviews"),
    path("combined/intake/", combined_views.intake, name="combined_intake"),
    path("combined/intake/<int:pk>/", combined_views.intake_service, name="combined_intake_service"),
    path("combined/<int:pk>/", combined_views.case_detail, name="combined"),
    path("combined/<int:pk>/accept/", combined_views.case_accept, name="combined_accept"),
    path(
        "combined/<int:pk>/certificates/<int:certificate>.<slug:kind>",
        combined_views.certificate_file,
        name="combined_certificate",
    ),
    path("reviews/<int:pk>/decide/", views.review_decide, name="review_decide"),
    path("files/<int:pk>/", views.case_file, name="file"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/reveal/", views.case_reveal, name="reveal"),
    path("<int:pk>/<slug:action>/", views.case_action, name="action"),
]
