"""`yimen exchange_ddl`: the 前置库's tables (exchange/ddl/).

* with no option, prints the DDL for the province's DBA (`yimen exchange_ddl > frontdb.sql`);
* `--apply mysql://user@host:port/db` creates the tables that are missing there, the password taken from
  the environment variable YIMEN_FRONTDB_PASSWORD (never from the command line, which others can read);
* `--target CODE` does the same with a 前置库 target's address and password.
Tables that exist are left as they are.
"""

from __future__ import annotations

import os
from typing import Any

import pymysql
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yimen.core import audit
from yimen.core.errors import ApplicationError
from yimen.exchange import ddl
from yimen.exchange.models import Target, Transport

PASSWORD_ENV = "YIMEN_FRONTDB_PASSWORD"


class Command(BaseCommand):
    help = "打印数据交换前置库的建表语句；--apply 地址 或 --target 目标代码 在该库中建立缺少的表"

    def add_arguments(self, parser: CommandParser) -> None:
        where = parser.add_mutually_exclusive_group()
        where.add_argument(
            "--apply",
            metavar="ENDPOINT",
            help=f"前置库地址 mysql://用户@主机:端口/库名，口令取自环境变量 {PASSWORD_ENV}",
        )
        where.add_argument("--target", metavar="CODE", help="用该前置库交换目标的地址和口令建表")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["target"]:
            target = Target.objects.filter(code=options["target"], transport=Transport.FRONT_DB).first()
            if target is None:
                raise CommandError(f"没有代码为 {options['target']} 的前置库交换目标")
            self._apply(target.endpoint, target.secret)
        elif options["apply"]:
            self._apply(options["apply"], os.environ.get(PASSWORD_ENV, ""))
        else:
            self.stdout.write(ddl.script(), ending="")

    def _apply(self, endpoint: str, password: str) -> None:
        try:
            created, present = ddl.apply(endpoint, password)
        except ApplicationError as exc:
            raise CommandError("；".join([exc.message, *exc.fields.get("endpoint", [])])) from exc
        except pymysql.MySQLError as exc:
            raise CommandError(f"无法在前置库 {endpoint} 建表：{exc}") from exc
        audit.record(
            "exchange.frontdb_tables_created",
            actor="系统",
            object_type="exchange.frontdb",
            object_id=endpoint[:60],
            object_repr=f"前置库 {endpoint}"[:200],
            after={"created": created, "present": present},
        )
        made = "、".join(created) if created else "无"
        self.stdout.write(
            f"前置库 {endpoint}：新建 {len(created)} 张表（{made}），已有 {len(present)} 张未改动"
        )
