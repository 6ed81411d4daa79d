"""`yimen report annual --org CODE --year YYYY --format json|html|docx|pdf [--out FILE]`: the annual report
from the command line (a published report as published, any other as it counts today);
`yimen report remind`: the 第四十九条 reminders of reports not yet published, into the outbox."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yimen.org.models import Organisation
from yimen.reports import documents, queries, reminders


class Command(BaseCommand):
    help = "政府信息公开工作年度报告：annual 生成报告，remind 发出年度报告到期提醒"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        annual = sub.add_parser("annual", help="生成某机构某年度的政府信息公开工作年度报告")
        annual.add_argument("--org", required=True, help="机构代码")
        annual.add_argument("--year", required=True, type=int, help="报告年度，如 2023")
        annual.add_argument("--format", choices=documents.FORMATS, default="json")
        annual.add_argument("--out", help="输出文件；省略时写到标准输出")
        sub.add_parser("remind", help="为尚未发布、即将到期的年度报告写入提醒事件（第四十九条）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "remind":
            due = reminders.emit_reminders(today=timezone.localdate())
            self.stdout.write(f"已写入 {len(due)} 条年度报告提醒")
            return
        org = Organisation.objects.filter(code=options["org"]).first()
        if org is None:
            raise CommandError(f"没有机构代码为 {options['org']} 的机构")
        year = options["year"]
        if not 2000 <= year <= timezone.localdate().year:
            raise CommandError(f"报告年度 {year} 无效：应在 2000 年至今年之间")
        fmt = options["format"]
        content = documents.render(queries.document_for(org, year), fmt)
        if options["out"]:
            Path(options["out"]).write_bytes(content)
            self.stderr.write(f"已写入 {options['out']}（{len(content)} 字节）")
        elif fmt in ("pdf", "docx"):
            sys.stdout.buffer.write(content)
        else:
            self.stdout.write(content.decode())
