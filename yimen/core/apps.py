import importlib
from typing import cast

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed_calendar(sender: AppConfig, **kwargs: object) -> None:
    from yimen.core.services import seed_calendar

    seed_calendar()


class CoreConfig(AppConfig):
    name = "yimen.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        post_migrate.connect(_seed_calendar, sender=self, dispatch_uid="yimen.core.seed_calendar")
        _import_handlers()


def _import_handlers() -> None:
    """Register event handlers: every Yimen app's `handlers` module, then any configured extra modules."""
    from django.apps import apps
    from django.conf import settings

    modules = [
        f"{config.name}.handlers" for config in apps.get_app_configs() if config.name.startswith("yimen.")
    ]
    for name in modules + cast(list[str], settings.YIMEN["EVENT_HANDLER_MODULES"]):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
