"""`yimen retention purge [--dry-run]`: anonymise the cases and requests past their retention and delete
old SMS, skipping records under a legal hold (privacy/retention.py); the worker runs the same once a day.
`--dry-run` counts what would go and changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yimen.privacy import retention
from yimen.privacy.models import RecordKind

LABELS = {**dict(RecordKind.choices), retention.SMS: "短信记录"}


class Command(BaseCommand):
    help = "个人信息保留期限：purge 匿名化（短信为删除）超过保留期限且未被保留的记录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["purge"])
        parser.add_argument("--dry-run", action="store_true", help="只统计将处理的记录，不作任何修改")

    def handle(self, *args: Any, **options: Any) -> None:
        done = retention.purge(dry_run=options["dry_run"])
        verb = "将处理" if done.dry_run else "已处理"
        for kind, found in done.kinds.items():
            action = "删除" if kind == retention.SMS else "匿名化"
            line = (
                f"{LABELS[kind]}（{done.kept_from[kind]:%Y-%m-%d} 之前结束的）：{verb}{action} {found.due} 件，"
                f"因保留未处理 {found.held} 件"
            )
            if found.files:
                line += f"，删除申请材料文件 {found.files} 个"
            if found.skipped:
                line += f"，{found.skipped} 件处理时被修改，下次再处理"
            self.stdout.write(line)
        if done.dry_run:
            self.stdout.write("试运行：未作任何修改")
