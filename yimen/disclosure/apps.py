from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "yimen.disclosure"
    label = "disclosure"
    verbose_name = "依申请公开"
