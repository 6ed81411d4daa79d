"""`yimen catalog_export FILE`: write the public 事项目录 to an Excel workbook in the import layout."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yimen.catalog import excel, queries


class Command(BaseCommand):
    help = "把现行事项目录导出为 Excel 工作簿（与导入格式相同）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="要写入的 .xlsx 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        items = queries.published()
        try:
            path.write_bytes(excel.export_workbook(items))
        except OSError as exc:
            raise CommandError(f"无法写入文件 {path}：{exc.strerror}") from exc
        self.stdout.write(f"已导出 {items.count()} 个事项到 {path}")
