"""`yimen serve`: the web application under gunicorn (static files through WhiteNoise)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


def gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "yimen.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        "--timeout",
        "60",
        # Load the app and jieba's dictionary once in the master; the workers share them copy-on-write.
        "--preload",
    ]


class Command(BaseCommand):
    help = "以 gunicorn 提供网站服务"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        argv = gunicorn_argv(options["host"], options["port"], options["workers"])
        os.execv(argv[0], argv)
