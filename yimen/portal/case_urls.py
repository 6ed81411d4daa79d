"""Public case pages, mounted by the site at path("cases/", include("yimen.portal.case_urls"))."""

from django.urls import path

from yimen.portal import case_views as views

app_name = "cases"
urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("board/", views.board, name="board"),
    path("board/data/", views.board_data, name="board_data"),
    path("screen/", views.screen, name="screen"),
    path("screen/data/", views.screen_data, name="screen_data"),
]
