from django.urls import URLPattern

app_name = "office_publishing"

urlpatterns: list[URLPattern] = []
