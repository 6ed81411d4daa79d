"""`yimen casefigures`, every few minutes (cron or a systemd timer): summarise the days not yet summarised
into the daily figures that 办件统计 reads (cases/figures.py); `--rebuild` after changing cases outside
the services (loading the demo year, a data repair)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yimen.cases import figures


class Command(BaseCommand):
    help = "办件统计日汇总：汇总尚未汇总的日期（--rebuild 重新汇总全部日期）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="重新汇总全部日期")

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        done = figures.refresh(rebuild=options["rebuild"])
        self.stdout.write(
            f"办件统计日汇总：汇总 {done.days} 天，{done.rows} 行（{time.perf_counter() - start:.1f} 秒）"
        )
