"""`yimen loaddemo --scale small|city`: the demo city, each app adding its part in dependency order."""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser

SCALES = ("small", "city", "province")


class Command(BaseCommand):
    help = "载入演示城市数据"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="small")

    def handle(self, *args: Any, **options: Any) -> None:
        for config in apps.get_app_configs():
            if not config.name.startswith("yimen."):
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name == f"{config.name}.demo":
                    continue
                raise
            started = time.monotonic()
            summary = module.load(scale=options["scale"])
            self.stdout.write(f"{config.verbose_name}：{summary}（{time.monotonic() - started:.1f} 秒）")
