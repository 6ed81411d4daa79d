from django.urls import URLPattern

app_name = "office_reports"

urlpatterns: list[URLPattern] = []
