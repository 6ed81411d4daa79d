"""`yimen supervise`, run daily (cron or a systemd timer): the 电子监察 digest event for supervisors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yimen.cases.services import supervision


def _moment(text: str | None) -> datetime:
    if not text:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--at 应为 YYYY-MM-DDTHH:MM 格式的时间，收到“{text}”") from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "电子监察：统计各单位红牌、黄牌件数，向监察人员发出每日汇总（supervision.digest 事件）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="按此时间统计（默认现在），格式 YYYY-MM-DDTHH:MM")

    def handle(self, *args: Any, **options: Any) -> None:
        message = supervision.emit_digest(now=_moment(options["at"]))
        payload = message.payload
        self.stdout.write(
            f"{payload['date']} 电子监察汇总：红牌 {payload['red']} 件，黄牌 {payload['yellow']} 件"
        )
        for row in payload["organisations"]:
            self.stdout.write(f"  {row['organisation']}：红牌 {row['red']}，黄牌 {row['yellow']}")
