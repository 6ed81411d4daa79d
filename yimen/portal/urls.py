from django.urls import path

from yimen.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("units/", views.units, name="units"),
    path("a11y/large-text/", views.toggle_large_text, name="large_text"),
]
