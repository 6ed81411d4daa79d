"""`yimen worker`: deliver outbox events to their handlers, at least once, run the apps' pass jobs
(`events.every_pass`: pushing data-exchange rows), and seal the audit log's new entries every second;
every minute, drop spent budgets whose windows have passed and queue the day's daily jobs (`events.every_day`: once a day however many workers run, e.g. the personal-data retention
purge); until stopped."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from yimen.core import audit, events, sms_codes, throttle

SEAL_SECONDS = 1.0  # how long a new audit entry waits, at most, for its place in the chain
SWEEP_SECONDS = 60.0  # how often spent budgets are dropped and the day's daily jobs queued


class Command(BaseCommand):
    help = "后台投递事件（短信、推送、索引更新、期限重算等）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="投递一轮后退出")
        parser.add_argument("--interval", type=float, default=1.0, help="空闲时的轮询间隔（秒）")
        parser.add_argument("--batch", type=int, default=50)

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("事件投递进程已启动")
        sealed_at = swept_at = 0.0
        while not stopping:
            close_old_connections()
            if time.monotonic() - sealed_at >= SEAL_SECONDS:
                audit.seal()
                sealed_at = time.monotonic()
            if time.monotonic() - swept_at >= SWEEP_SECONDS:
                throttle.forget_expired()
                sms_codes.forget_expired()
                events.emit_daily()
                swept_at = time.monotonic()
            delivered, failed = events.run_once(options["batch"])
            if delivered or failed:
                self.stdout.write(f"投递 {delivered} 条，失败 {failed} 条")
            worked = events.run_passes()
            if options["once"]:
                break
            if not delivered and not failed and not worked:
                time.sleep(options["interval"])
        self.stdout.write("事件投递进程已停止")
