"""`yimen demo`: migrate the embedded database, load the demo city once, serve it with the worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from yimen.core.management.commands.serve import gunicorn_argv
from yimen.demo.org import DEMO_LOGINS, DEMO_TOTP_SECRET, has_demo


class Command(BaseCommand):
    help = "一键演示：迁移数据库、载入演示城市、启动网站和后台投递进程"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--scale", default="small")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not has_demo():
            self.stdout.write("正在载入演示城市……")
            call_command("loaddemo", scale=options["scale"])
        if options["no_serve"]:
            return
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        web = subprocess.Popen(gunicorn_argv("127.0.0.1", options["port"], 2), env=env)
        worker = subprocess.Popen([sys.executable, "-m", "yimen.cli", "worker"], env=env)
        self.stdout.write(self.style.SUCCESS(f"\n一门演示已启动：http://127.0.0.1:{options['port']}/"))
        self.stdout.write(f"办公后台：http://127.0.0.1:{options['port']}/office/   （按 Ctrl+C 停止）")
        for username, password, who in DEMO_LOGINS:
            self.stdout.write(f"  {who:<14} 用户名 {username:<10} 密码 {password}")
        self.stdout.write("首次登录须修改密码（至少 12 位，含大写字母、小写字母、数字、符号中的至少 3 类）。")
        self.stdout.write(
            f"admin、security、auditor、supervisor 还须输入动态口令：在验证器应用中添加密钥 {DEMO_TOTP_SECRET}"
            f"（或运行 oathtool --totp -b {DEMO_TOTP_SECRET}）。"
        )
        try:
            while web.poll() is None and worker.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in (web, worker):
                if process.poll() is None:
                    process.terminate()
            for process in (web, worker):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
