"""`yimen catalog_import FILE [--valid-only] [--dry-run]`: import the 事项目录 from an Excel workbook."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yimen.catalog import excel
from yimen.core.errors import ApplicationError


class Command(BaseCommand):
    help = "从 Excel 工作簿导入事项目录：先校验全部行，有任何问题则不导入"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="事项目录 .xlsx 文件（“事项”表与“材料”表）")
        parser.add_argument("--valid-only", action="store_true", help="只导入校验通过的事项，其余列出问题")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告结果，不保存")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        try:
            report = excel.import_workbook(
                content, by=None, valid_only=options["valid_only"], dry_run=options["dry_run"]
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for error in report.errors:
            self.stdout.write(str(error))
        if report.rejected:
            raise CommandError(report.summary)
        self.stdout.write(report.summary)
