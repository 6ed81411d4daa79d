"""`yimen feeds fetch` reads every active 上级动态 source now; `yimen feeds schedule` gives each active
source a waiting fetch in the outbox (the worker then keeps fetching it every FEED_FETCH_MINUTES)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yimen.publishing import feed_import
from yimen.publishing.models import FeedSource


class Command(BaseCommand):
    help = "上级动态：立即抓取（fetch）或为每个来源安排定时抓取（schedule）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["fetch", "schedule"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "schedule":
            self.stdout.write(f"已安排 {feed_import.ensure_scheduled()} 个来源的抓取")
            return
        for source in FeedSource.objects.filter(is_active=True).order_by("pk"):
            added = feed_import.fetch(source)
            outcome = f"失败：{source.last_error}" if source.failures else f"新增 {added} 条"
            self.stdout.write(f"{source.name}：{outcome}")
