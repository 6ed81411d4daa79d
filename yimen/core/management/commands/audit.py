"""`yimen audit verify`: recompute the audit log's hash chain and report the first broken entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yimen.core import audit


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        checked, breach = audit.verify()
        if breach is not None:
            raise CommandError(f"{breach}（此前 {checked} 条校验通过）")
        self.stdout.write(f"审计日志完整：{checked} 条，哈希链无断点")
