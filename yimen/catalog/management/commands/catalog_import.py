"""`yimen catalog_import FILE [--valid-only] [--dry-run]`: import the 事项目录 from an Excel workbook."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from yimen.catalog import excel
from yimen.core.management.imports import ImportCommand


class Command(ImportCommand):
    help = "从 Excel 工作簿导入事项目录：先校验全部行，有任何问题则不导入"
    file_help = "事项目录 .xlsx 文件（“事项”表与“材料”表）"

    def add_options(self, parser: ArgumentParser) -> None:
        parser.add_argument("--valid-only", action="store_true", help="只导入校验通过的事项，其余列出问题")

    def run(self, content: bytes, options: dict[str, Any]) -> excel.ImportReport:
        return excel.import_workbook(
            content, by=None, valid_only=options["valid_only"], dry_run=options["dry_run"]
        )
