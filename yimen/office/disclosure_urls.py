from django.urls import URLPattern

app_name = "office_disclosure"

urlpatterns: list[URLPattern] = []
