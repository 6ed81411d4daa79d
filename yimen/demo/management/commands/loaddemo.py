"""`yimen loaddemo --scale small|city`: the demo city, each app's part in dependency order."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser

from yimen.demo import (
    cases,
    catalog,
    certificates,
    combined,
    disclosure,
    exchange,
    opendata,
    org,
    publishing,
    reports,
)

SCALES = ("small", "city", "province")
# Each app's label and its part of the demo, lowest first: every part builds on the ones before it.
PARTS: tuple[tuple[str, Callable[..., str]], ...] = (
    ("org", org.load),
    ("catalog", catalog.load),
    ("cases", cases.load),
    ("certificates", certificates.load),
    ("certificates", combined.load),
    ("publishing", publishing.load),
    ("disclosure", disclosure.load),
    ("reports", reports.load),
    ("opendata", opendata.load),
    ("exchange", exchange.load),
)


class Command(BaseCommand):
    help = "载入演示城市数据"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="small")

    def handle(self, *args: Any, **options: Any) -> None:
        for label, load in PARTS:
            started = time.monotonic()
            summary = load(scale=options["scale"])
            name = apps.get_app_config(label).verbose_name
            self.stdout.write(f"{name}：{summary}（{time.monotonic() - started:.1f} 秒）")
