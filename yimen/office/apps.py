from django.apps import AppConfig


class OfficeConfig(AppConfig):
    name = "yimen.office"
    label = "office"
    verbose_name = "办公后台"
