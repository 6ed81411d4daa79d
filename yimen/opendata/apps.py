from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "yimen.opendata"
    label = "opendata"
    verbose_name = "政务数据开放"
