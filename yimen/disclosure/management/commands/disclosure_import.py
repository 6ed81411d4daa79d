"""`yimen disclosure_import FILE --by USERNAME [--dry-run]`: historical disclosure requests from Excel or CSV."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yimen.core.errors import ApplicationError
from yimen.disclosure import importing
from yimen.org.models import Staff


class Command(BaseCommand):
    help = "从 Excel 或 CSV 导入历史政府信息公开申请：先校验全部行，有任何问题则不导入"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="每行一件申请的 .xlsx 或 .csv 文件（表头见导入模板）")
        parser.add_argument(
            "--by", required=True, help="记录为经办人的工作人员用户名（须有办理该机关申请的权限）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告结果，不保存")

    def handle(self, *args: Any, **options: Any) -> None:
        staff = Staff.objects.filter(username=options["by"], is_active=True).first()
        if staff is None:
            raise CommandError(f"没有用户名为 {options['by']} 的在职工作人员")
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        try:
            report = importing.import_requests(content, by=staff, dry_run=options["dry_run"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for error in report.errors:
            self.stdout.write(str(error))
        if report.rejected:
            raise CommandError(report.summary)
        self.stdout.write(report.summary)
