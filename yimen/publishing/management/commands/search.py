"""`yimen search reindex` rebuilds the publications' search index; `yimen search check` lists what differs
between the index and the published publications (exit status 1 when anything does)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yimen.publishing import search


class Command(BaseCommand):
    help = "政务公开信息全文检索：重建索引（reindex）或核对索引（check）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["reindex", "check"], help="reindex 重建索引；check 核对索引")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "reindex":
            started = time.monotonic()
            written = search.reindex()
            seconds = time.monotonic() - started
            rate = f"，每秒 {written / seconds:,.0f} 条" if seconds > 0 and written else ""
            self.stdout.write(f"已重建索引：{written} 条已发布信息（{seconds:.1f} 秒{rate}）")
        problems = search.check()
        for line in problems:
            self.stdout.write(line)
        if problems:
            raise CommandError(f"索引与已发布信息不一致：{len(problems)} 类问题，请运行 yimen search reindex")
        self.stdout.write(f"索引与已发布信息一致：{search.count()} 条")
