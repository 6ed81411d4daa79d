"""`yimen calendar add|between|load`: the working-day calendar from the command line."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yimen.core import calendar


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期 {text!r} 无效，格式应为 YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "工作日计算：add 求第 N 个工作日，between 求两日期间的工作日数"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="起始日期后第 N 个工作日（起始日不计入）")
        add.add_argument("--start", required=True)
        add.add_argument("--days", required=True, type=int)
        add.add_argument("--json", action="store_true")
        between = sub.add_parser("between", help="A 之后（不含）至 B（含）的工作日数")
        between.add_argument("after")
        between.add_argument("through")
        between.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "add":
                result = calendar.add_workdays(_date(options["start"]), options["days"])
                payload: dict[str, Any] = {"date": result.date.isoformat(), "provisional": result.provisional}
                text = result.date.isoformat()
            else:
                count = calendar.workdays_between(_date(options["after"]), _date(options["through"]))
                payload = {"workdays": count.workdays, "provisional": count.provisional}
                text = str(count.workdays)
        except calendar.CalendarError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
        else:
            self.stdout.write(
                text + ("  （暂按周末规则计算，未载入放假通知）" if payload["provisional"] else "")
            )
