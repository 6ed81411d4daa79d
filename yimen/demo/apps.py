from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo city (`yimen demo`, `yimen loaddemo`): invented data for every app, written through their
    models and services, so it sits above all of them and nothing imports it."""

    name = "yimen.demo"
    label = "demo"
    verbose_name = "演示数据"
