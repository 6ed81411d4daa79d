"""`yimen reindex`: rebuild the search indexes and check that every public record is in them."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from yimen.catalog import search as catalog_search


class Command(BaseCommand):
    help = "重建全文检索索引并核对条数"

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with transaction.atomic():
            items, rows = catalog_search.reindex()
        if items != rows:
            raise CommandError(f"事项索引条数不符：应有 {items} 条，实有 {rows} 条")
        self.stdout.write(f"事项：已索引 {items} 条（{time.monotonic() - started:.1f} 秒）")
