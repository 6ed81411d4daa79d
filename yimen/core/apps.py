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
