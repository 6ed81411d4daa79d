"""The province's 汇聚区, played on this machine against a 前置库 (MariaDB/MySQL) holding Yimen's tables.

It reads the rows written since its last pass from each up_* table (an id cursor per table, kept in its
own table `sim_cursor`), checks them as an aggregation zone does, and answers through the feedback tables:

* 必填项为空 — a NOT NULL column of the table left empty;
* 格式不符合规范 — a date kept as text that does not read as a date;
* 编码不符合规范 — a code outside its code set (rows.CODES), cd_operation other than I/U/D, an applicant's
  or holder's ID number or 统一社会信用代码 whose check character is wrong (GB 11643, GB 32100) for its type;
* 关联数据缺失 — a 过程/结果/材料/特别程序 row whose project_no has no 受理 row received before it, or an
  update or deletion of a row_guid never received as new (I).

A refused row goes into dn_audit_abnormal (err_type, remark naming the field), a refused certificate row
into dn_lic_data_error (the row itself and its error_remark). An accepted row is recorded in
`hj_accepted`, the 汇聚区's own table (its key, batch and operation; the content stays in the up_* table).

    python tests/exchange/province_simulator.py --db mysql://root@127.0.0.1:3306/<db> [--once|--loop]

(the password, if any, from YIMEN_FRONTDB_PASSWORD). As a module: `Simulator(endpoint).run_once()`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: Yimen's code (its code sets, its validators) on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yimen.settings")
    import django

    django.setup()

import pymysql
import pymysql.cursors

from yimen.core.identity import is_valid_id_number, is_valid_uscc
from yimen.exchange import ddl
from yimen.exchange.transports.frontdb import connect, parse_endpoint

UPLOADS = [table for table in ddl.TABLES if table.startswith("up_")]  # up_pro_accept first
RELATED = {"up_pro_process", "up_pro_result", "up_pro_material", "up_pro_special_procedure"}
LICENCE = "up_lic_data"
# The 证件类型 / 持证主体代码类型 column and the code column it types (GB/T 36903 附录A: 111, 001).
PAGE_CODES = {
    "up_pro_accept": ("applyer_page_type", "applyer_page_code"),
    "up_lic_data": ("certificate_holder_type", "certificate_holder_code"),
}
CHECKS: dict[str, tuple[Callable[[str], bool], str]] = {
    "111": (is_valid_id_number, "不是有效的公民身份号码（GB 11643 校验码不符）"),
    "001": (is_valid_uscc, "不是有效的统一社会信用代码（GB 32100 校验码不符）"),
}
PAGE = 1000

STATE = (
    "CREATE TABLE IF NOT EXISTS `sim_cursor` (`table_sql_name` VARCHAR(50) NOT NULL PRIMARY KEY, "
    "`last_id` BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS `sim_seen` (`row_guid` VARCHAR(50) NOT NULL PRIMARY KEY, "
    "`table_sql_name` VARCHAR(50) NOT NULL, `project_no` VARCHAR(50) NULL, `seen_at` DATETIME NOT NULL, "
    "KEY `sim_seen_project` (`table_sql_name`, `project_no`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS `hj_accepted` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
    "`table_sql_name` VARCHAR(50) NOT NULL, `row_guid` VARCHAR(50) NOT NULL, `cd_batch` VARCHAR(32) NOT NULL, "
    "`cd_operation` VARCHAR(2) NOT NULL, `project_no` VARCHAR(50) NULL, `accepted_at` DATETIME NOT NULL, "
    "KEY `hj_accepted_row_guid` (`row_guid`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
)


def code_sets() -> dict[str, set[str]]:
    """The code fields and their values, as Yimen writes them (rows.CODES; 是否 fields are 1 or 0)."""
    from yimen.exchange.rows import CODES, SATISFACTION

    sets = {name: {str(code) for code in values.values()} for name, values in CODES.items()}
    sets["is_delivery_results"] |= {"0"}
    sets["satisfaction"] = set(SATISFACTION.values())
    sets["evaluate_level"] = set(SATISFACTION.values())
    return sets


@dataclass
class Pass:
    accepted: int = 0
    rejected: int = 0
    reasons: list[tuple[str, str, str]] = field(default_factory=list)  # (row_guid, err_type, remark)


@dataclass
class Known:
    """What the 汇聚区 received before a page: row_guids sent as new (I), cases whose 受理 row came."""

    guids: set[str] = field(default_factory=set)
    projects: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    kind: str  # data_type
    label: str  # the column's comment


class Simulator:
    def __init__(self, endpoint: str, password: str = "") -> None:
        self.dsn = parse_endpoint(endpoint)
        self.password = password
        self.codes = code_sets()

    def connection(self) -> pymysql.connections.Connection[Any]:
        return connect(self.dsn, self.password)

    def install(self) -> None:
        """The simulator's own tables (the up_* and dn_* tables are the sender's: yimen exchange_ddl)."""
        with closing(self.connection()) as connection, connection.cursor() as cursor:
            for statement in STATE:
                cursor.execute(statement)
            connection.commit()

    def run_once(self) -> Pass:
        """Everything written since the last pass, table by table (受理 first), one transaction a page."""
        self.install()
        result = Pass()
        with closing(self.connection()) as connection:
            for table in UPLOADS:
                columns, title = self._columns(connection, table)
                if not columns:
                    continue
                while self._page(connection, table, columns, title, result) == PAGE:
                    pass
        return result

    def _columns(self, connection: Any, table: str) -> tuple[dict[str, Column], str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name, is_nullable, data_type, column_comment FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                (self.dsn.database, table),
            )
            columns = {
                name: Column(name, nullable == "NO", kind.lower(), comment or name)
                for name, nullable, kind, comment in cursor.fetchall()
                if name != "id"
            }
            cursor.execute(
                "SELECT table_comment FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                (self.dsn.database, table),
            )
            found = cursor.fetchone()
        return columns, (found[0] if found and found[0] else table)

    def _page(self, connection: Any, table: str, columns: dict[str, Column], title: str, result: Pass) -> int:
        now = datetime.now().replace(microsecond=0)
        with connection.cursor(pymysql.cursors.DictCursor) as cursor:
            cursor.execute("SELECT last_id FROM sim_cursor WHERE table_sql_name = %s FOR UPDATE", (table,))
            found = cursor.fetchone()
            after = int(found["last_id"]) if found else 0
            cursor.execute(f"SELECT * FROM `{table}` WHERE id > %s ORDER BY id LIMIT %s", (after, PAGE))  # nosec B608  # table from ddl.TABLES
            rows = cursor.fetchall()
            if not rows:
                return 0
            known = self._known(cursor, table, rows)
            seen, taken = [], []
            for row in rows:
                errors = self.check(table, columns, row, known)
                if row.get("cd_operation") == "I" and not errors:  # a refused row never entered the 汇聚区
                    known.guids.add(row["row_guid"])
                    seen.append((row["row_guid"], table, row.get("project_no"), now))
                if errors:
                    self._refuse(cursor, table, title, row, errors, now)
                    result.rejected += 1
                    result.reasons += [(row["row_guid"], kind, remark) for kind, remark in errors]
                else:
                    taken.append(
                        (
                            table,
                            row["row_guid"],
                            row["cd_batch"],
                            row["cd_operation"],
                            row.get("project_no"),
                            now,
                        )
                    )
                    result.accepted += 1
            if seen:
                cursor.executemany(
                    "INSERT IGNORE INTO sim_seen (row_guid, table_sql_name, project_no, seen_at) "
                    "VALUES (%s, %s, %s, %s)",
                    seen,
                )
            if taken:
                cursor.executemany(
                    "INSERT INTO hj_accepted (table_sql_name, row_guid, cd_batch, cd_operation, project_no, "
                    "accepted_at) VALUES (%s, %s, %s, %s, %s, %s)",
                    taken,
                )
            cursor.execute(
                "REPLACE INTO sim_cursor (table_sql_name, last_id) VALUES (%s, %s)", (table, rows[-1]["id"])
            )
        connection.commit()
        return len(rows)

    def _known(self, cursor: Any, table: str, rows: list[dict[str, Any]]) -> Known:
        """Of the page's row_guids, those received as new before; of its cases, those whose 受理 was."""
        guids = list({row["row_guid"] for row in rows})
        cursor.execute(
            f"SELECT row_guid FROM sim_seen WHERE row_guid IN ({', '.join(['%s'] * len(guids))})",  # nosec B608  # placeholders only
            guids,
        )
        known = Known(guids={found["row_guid"] for found in cursor.fetchall()})
        projects = list({row["project_no"] for row in rows if row.get("project_no")})
        if table in RELATED and projects:
            cursor.execute(
                "SELECT project_no FROM sim_seen WHERE table_sql_name = 'up_pro_accept' AND project_no IN "
                f"({', '.join(['%s'] * len(projects))})",  # nosec B608  # placeholders only
                projects,
            )
            known.projects = {found["project_no"] for found in cursor.fetchall()}
        return known

    def check(
        self, table: str, columns: dict[str, Column], row: dict[str, Any], known: Known
    ) -> list[tuple[str, str]]:
        """The row's faults as (异常类型, 说明 naming the field); none if the 汇聚区 takes it."""
        errors: list[tuple[str, str]] = []
        operation = row.get("cd_operation")
        if operation not in ("I", "U", "D"):
            errors.append(("编码不符合规范", f"同步类型（cd_operation）：应为 I、U 或 D，实为“{operation}”"))
        if operation in ("U", "D") and row["row_guid"] not in known.guids:
            errors.append(
                ("关联数据缺失", f"记录唯一标识（row_guid）：此前未收到以新增（I）上报的 {row['row_guid']}")
            )
        if operation == "D":
            return errors  # a deletion needs only its row
        for column in columns.values():
            given = row.get(column.name)
            empty = given is None or (isinstance(given, str) and not given.strip())
            if column.required and empty:
                errors.append(("必填项为空", f"{column.label}（{column.name}）：必填项为空"))
            elif (
                not empty and column.kind in ("varchar", "char") and column.name.endswith(("_date", "_time"))
            ) and not _reads_as_date(str(given)):
                errors.append(
                    (
                        "格式不符合规范",
                        f"{column.label}（{column.name}）：应为日期 yyyy-MM-dd 或 yyyy-MM-dd HH:mm:ss",
                    )
                )
            if not empty and column.name in self.codes and str(given) not in self.codes[column.name]:
                allowed = "、".join(sorted(self.codes[column.name]))
                errors.append(
                    ("编码不符合规范", f"{column.label}（{column.name}）：“{given}”不在代码集（{allowed}）中")
                )
        if table in PAGE_CODES:
            kind_field, code_field = PAGE_CODES[table]
            check = CHECKS.get(str(row.get(kind_field) or ""))
            code = str(row.get(code_field) or "")
            if check and code and not check[0](code):
                errors.append(("编码不符合规范", f"{columns[code_field].label}（{code_field}）：{check[1]}"))
        if table in RELATED and row.get("project_no") and row["project_no"] not in known.projects:
            errors.append(
                ("关联数据缺失", f"办件编号（project_no）：未收到办件 {row['project_no']} 的受理信息")
            )
        return errors

    def _refuse(
        self,
        cursor: Any,
        table: str,
        title: str,
        row: dict[str, Any],
        errors: list[tuple[str, str]],
        now: datetime,
    ) -> None:
        remark = "；".join(remark for _, remark in errors)
        if table == LICENCE:
            copied = {name: value for name, value in row.items() if name != "id"}
            copied["error_remark"] = remark[:512]
            names = ", ".join(f"`{name}`" for name in copied)
            cursor.execute(
                f"INSERT INTO dn_lic_data_error ({names}) VALUES ({', '.join(['%s'] * len(copied))})",  # nosec B608  # our columns
                tuple(copied.values()),
            )
            return
        cursor.execute(
            "INSERT INTO dn_audit_abnormal (row_guid, table_name, table_sql_name, table_row_guid, table_cd_batch, "
            "table_cd_source, table_cd_time, table_update_time, err_type, remark, cd_time) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                uuid.uuid4().hex,
                title,
                table,
                row["row_guid"],
                row["cd_batch"],
                row.get("data_source") or "",
                row.get("cd_time") or now,
                now,
                errors[0][0],
                remark[:1000],
                now,
            ),
        )

    def accepted(self, table: str | None = None) -> list[dict[str, Any]]:
        """The rows the 汇聚区 took, oldest first (of one table, or all)."""
        with (
            closing(self.connection()) as connection,
            connection.cursor(pymysql.cursors.DictCursor) as cursor,
        ):
            if table:
                cursor.execute("SELECT * FROM hj_accepted WHERE table_sql_name = %s ORDER BY id", (table,))
            else:
                cursor.execute("SELECT * FROM hj_accepted ORDER BY id")
            return list(cursor.fetchall())


def _reads_as_date(text: str) -> bool:
    for layout in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            datetime.strptime(text.strip(), layout)
        except ValueError:
            continue
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="省级汇聚区模拟：校验前置库新写入的记录，退回的写入 dn_audit_abnormal"
    )
    parser.add_argument(
        "--db", required=True, help="前置库 mysql://用户@主机:端口/库名（口令取自 YIMEN_FRONTDB_PASSWORD）"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="校验一轮后退出（默认）")
    mode.add_argument("--loop", action="store_true", help="每隔 --interval 秒校验一轮，直到中断")
    parser.add_argument("--interval", type=float, default=5.0, help="--loop 的间隔秒数")
    options = parser.parse_args(argv)
    simulator = Simulator(options.db, os.environ.get("YIMEN_FRONTDB_PASSWORD", ""))
    while True:
        result = simulator.run_once()
        print(f"{datetime.now():%H:%M:%S} 接收 {result.accepted} 条，退回 {result.rejected} 条", flush=True)
        for row_guid, err_type, remark in result.reasons:
            print(f"  退回 {row_guid}：{err_type}，{remark}", flush=True)
        if not options.loop:
            return 0
        time.sleep(options.interval)


if __name__ == "__main__":
    sys.exit(main())
