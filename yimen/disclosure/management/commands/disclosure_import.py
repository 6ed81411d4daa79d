"""`yimen disclosure_import FILE --by USERNAME [--dry-run]`: historical disclosure requests from Excel or CSV."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from yimen.core.management.imports import ImportCommand
from yimen.disclosure import importing
from yimen.org.models import Staff


class Command(ImportCommand):
    help = "从 Excel 或 CSV 导入历史政府信息公开申请：先校验全部行，有任何问题则不导入"
    file_help = "每行一件申请的 .xlsx 或 .csv 文件（表头见导入模板）"
    staff: Staff

    def add_options(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--by", required=True, help="记录为经办人的工作人员用户名（须有办理该机关申请的权限）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        staff = Staff.objects.filter(username=options["by"], is_active=True).first()
        if staff is None:
            raise CommandError(f"没有用户名为 {options['by']} 的在职工作人员")
        self.staff = staff
        super().handle(*args, **options)

    def run(self, content: bytes, options: dict[str, Any]) -> importing.ImportReport:
        return importing.import_requests(content, by=self.staff, dry_run=options["dry_run"])
