"""前置库: rows written into the province's front-end database (MySQL or MariaDB), where its 汇聚区 reads
and validates them later and writes the rows it refuses into `dn_audit_abnormal` (`dn_lic_data_error` for
certificates). A written row is therefore only "sent"; `push.confirm_quiet` accepts it once the target's
confirmation wait passes without a rejection.

`Target.endpoint` is `mysql://user@host:port/dbname`; the password is `Target.secret`.

Each worker thread keeps one connection per 前置库 and pings it before use (reconnecting if the server
closed it). A new connection would be simpler, but PyMySQL builds a TLS context for each one (it uses TLS
whenever the server offers it, which keeps ID numbers off the wire in clear) and that costs 70–100 ms,
more than writing a batch of 200 rows. Every use ends with a commit or a rollback, so a kept connection
never holds a transaction open, and a connection that failed is closed and forgotten. Each table's
columns are read once per process from information_schema.

A batch is written in one transaction with one multi-row INSERT per table (PyMySQL's executemany folds
the rows into one INSERT … VALUES statement; it splits only past 1 MB, several times a batch of 200
rows). Only the table's own columns are written: a field the table lacks is dropped and logged once;
a required column the rows do not fill is written empty. None and "" are NULL in a nullable column. A row the database refuses by itself (a required column empty,
a value too long, a date it cannot read) does not hold up the others: that table's rows are then written
one by one and the refused row answers "rejected" with the database's reason. Any other failure (no
connection, no such table, no rights) raises, and push.py retries the batch.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import pymysql
import pymysql.cursors

from yimen.core.errors import ApplicationError
from yimen.exchange.models import Target
from yimen.exchange.transports import Feedback, Outcome, Outgoing

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10  # seconds
IO_TIMEOUT = 120  # seconds for one statement's answer: a batch INSERT, a page of feedback
FEEDBACK_PAGE = 1000
FEEDBACK_PAGES = 20  # at most this many pages per read; the rest on the next read
LICENCE_ERR_TYPE = "证照数据异常"  # dn_lic_data_error has no error type, only its remark

# The errors the database raises for one row's values, with the 异常类型 a rejected row gets.
ROW_ERRORS = {
    1048: "必填项为空",  # Column cannot be null
    1364: "必填项为空",  # Field doesn't have a default value
    1406: "长度超出限制",  # Data too long for column
    1264: "格式不符合规范",  # Out of range value
    1265: "格式不符合规范",  # Data truncated
    1292: "格式不符合规范",  # Incorrect datetime value
    1366: "格式不符合规范",  # Incorrect integer value
    1411: "格式不符合规范",  # Incorrect value for function
}


def row_error(exc: pymysql.MySQLError) -> str | None:
    """The 异常类型 of an error about one row's values; None for a failure of the whole batch."""
    code = exc.args[0] if exc.args else None
    return ROW_ERRORS.get(code) if isinstance(code, int) else None


@dataclass(frozen=True)
class Dsn:
    host: str
    port: int
    user: str
    database: str

    def __str__(self) -> str:
        return f"mysql://{self.user}@{self.host}:{self.port}/{self.database}"


ENDPOINT_RULE = "地址：前置库地址应为 mysql://用户@主机:端口/库名（口令填在密钥中）"


def parse_endpoint(endpoint: str) -> Dsn:
    """The 前置库 address `mysql://user@host:port/dbname`; the port defaults to 3306."""
    parts = urlsplit(endpoint.strip())
    database = parts.path.lstrip("/")
    try:
        port = parts.port or 3306
    except ValueError:
        port = 0
    if (
        parts.scheme not in ("mysql", "mariadb")
        or not parts.hostname
        or not parts.username
        or parts.password
        or not port
        or not re.fullmatch(r"[A-Za-z0-9_$]{1,64}", database)
    ):
        raise ApplicationError(f"前置库地址“{endpoint}”不正确", fields={"endpoint": [ENDPOINT_RULE]})
    return Dsn(host=parts.hostname, port=port, user=unquote(parts.username), database=database)


def connect(dsn: Dsn, password: str, *, autocommit: bool = False) -> pymysql.connections.Connection[Any]:
    """A connection in strict mode, so that a value the table cannot hold is refused, never cut short."""
    return pymysql.connect(
        host=dsn.host,
        port=dsn.port,
        user=dsn.user,
        password=password,
        database=dsn.database,
        charset="utf8mb4",
        autocommit=autocommit,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=IO_TIMEOUT,
        write_timeout=IO_TIMEOUT,
        init_command="SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'",
    )


@dataclass(frozen=True)
class Column:
    name: str
    nullable: bool
    text: bool  # a character column: an empty value can be written as ""


_kept = threading.local()  # .connections: {Dsn: (password, connection)} of this thread


@contextmanager
def kept(dsn: Dsn, password: str) -> Iterator[pymysql.connections.Connection[Any]]:
    """This thread's connection to the 前置库, alive; committed if the block ends well, else rolled back,
    closed and forgotten."""
    connections: dict[Dsn, tuple[str, Any]] = _kept.__dict__.setdefault("connections", {})
    known, connection = connections.pop(dsn, ("", None))
    if connection is not None and known != password:  # the target's password was changed
        discard(connection)
        connection = None
    try:
        if connection is None:
            connection = connect(dsn, password)
        else:
            connection.ping(reconnect=True)
        yield connection
        connection.commit()
    except BaseException:
        if connection is not None:
            discard(connection)
        raise
    connections[dsn] = (password, connection)


def discard(connection: pymysql.connections.Connection[Any]) -> None:
    """Close a connection whatever state it is in; the server rolls back what it had begun."""
    with suppress(pymysql.MySQLError, OSError):
        if connection.open:
            connection.close()


_columns: dict[tuple[Dsn, str], dict[str, Column]] = {}
_dropped: set[tuple[Dsn, str, frozenset[str]]] = set()


def table_columns(connection: pymysql.connections.Connection[Any], dsn: Dsn, table: str) -> dict[str, Column]:
    """The table's columns but its own key `id`, read once per process; empty if there is no such table."""
    key = (dsn, table)
    if key not in _columns:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name, is_nullable, data_type FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                (dsn.database, table),
            )
            found = {
                name: Column(name, nullable == "YES", kind.lower() in TEXT_TYPES)
                for name, nullable, kind in cursor.fetchall()
                if name != "id"
            }
        if not found:
            return {}  # not cached: the DBA may create it before the next push
        _columns[key] = found
    return _columns[key]


TEXT_TYPES = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext"}


def forget(dsn: Dsn) -> None:
    """Read the tables' columns again on the next push (after a failure that may mean they changed)."""
    for key in [key for key in _columns if key[0] == dsn]:
        del _columns[key]


def value(column: Column, given: Any) -> Any:
    """None and "" are NULL in a nullable column; a required character column gets "" (the 汇聚区 then
    reports it empty), any other required column NULL (the database then refuses the row)."""
    if given is None or given == "":
        return "" if column.text and not column.nullable else None
    if isinstance(given, bool):
        return int(given)
    return given


def quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class FrontDb:
    """The Transport for a 前置库 (module docstring)."""

    def send(self, target: Target, batch: list[Outgoing]) -> list[Outcome]:
        dsn = parse_endpoint(target.endpoint)
        tables: dict[str, list[Outgoing]] = defaultdict(list)
        for row in batch:
            tables[row.table].append(row)
        outcomes: list[Outcome] = []
        try:
            with kept(dsn, target.secret) as connection:
                for table, rows in tables.items():
                    outcomes += self._write(connection, dsn, table, rows)
        except pymysql.MySQLError:
            forget(dsn)
            raise
        return outcomes

    def _write(
        self, connection: pymysql.connections.Connection[Any], dsn: Dsn, table: str, rows: list[Outgoing]
    ) -> list[Outcome]:
        columns = table_columns(connection, dsn, table)
        if not columns:
            remark = f"前置库 {dsn.database} 中没有表 {table}，请对方建表（yimen exchange_ddl）"
            return [Outcome(row.delivery, "retry", remark=remark) for row in rows]
        given = {name for row in rows for name in row.row}
        # A required column no row fills is written too: empty, the 汇聚区 or the database then says so.
        names = [name for name, column in columns.items() if name in given or not column.nullable]
        self._report_dropped(dsn, table, given - set(columns))
        into = f"{quoted(table)} ({', '.join(quoted(name) for name in names)})"
        statement = f"INSERT INTO {into} VALUES ({', '.join(['%s'] * len(names))})"  # nosec B608  # identifiers are the table's own columns, quoted; every value is a bound parameter
        values = [tuple(value(columns[name], row.row.get(name)) for name in names) for row in rows]
        with connection.cursor() as cursor:
            cursor.execute("SAVEPOINT batch")
            try:
                cursor.executemany(statement, values)
            except pymysql.MySQLError as exc:
                if row_error(exc) is None:
                    raise
                cursor.execute("ROLLBACK TO SAVEPOINT batch")
                return [self._one(cursor, statement, row, one) for row, one in zip(rows, values, strict=True)]
        return [Outcome(row.delivery, "sent") for row in rows]

    def _one(
        self, cursor: pymysql.cursors.Cursor, statement: str, row: Outgoing, values: tuple[Any, ...]
    ) -> Outcome:
        try:
            cursor.execute(statement, values)
        except pymysql.MySQLError as exc:
            err_type = row_error(exc)
            if err_type is None:
                raise
            message = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
            column = re.search(r"column '([^']+)'", message)
            where = f"字段 {column.group(1)}" if column else "该记录"
            return Outcome(
                row.delivery,
                "rejected",
                err_type=err_type,
                remark=f"{where}：{err_type}，前置库拒绝写入（{message}）",
            )
        return Outcome(row.delivery, "sent")

    def _report_dropped(self, dsn: Dsn, table: str, dropped: set[str]) -> None:
        key = (dsn, table, frozenset(dropped))
        if dropped and key not in _dropped:
            _dropped.add(key)
            log.warning(
                "exchange: front db %s, table %s has no column %s: not written", dsn, table, sorted(dropped)
            )

    def feedback(self, target: Target) -> list[Feedback]:
        """The rejections written since the last read: dn_audit_abnormal and, if the database has it with
        a row_guid column, dn_lic_data_error. `target.feedback_cursor` keeps the last id read of each,
        as "audit:licence" (a bare number is dn_audit_abnormal's)."""
        dsn = parse_endpoint(target.endpoint)
        audit_at, licence_at = read_cursor(target.feedback_cursor)
        reports: list[Feedback] = []
        with kept(dsn, target.secret) as connection:
            audit_at = _pages(
                connection,
                "SELECT id, table_row_guid, table_cd_batch, err_type, remark FROM dn_audit_abnormal "
                "WHERE id > %s ORDER BY id LIMIT %s",
                audit_at,
                reports,
            )
            licence = table_columns(connection, dsn, "dn_lic_data_error")
            if "row_guid" in licence and "cd_batch" in licence:
                licence_at = _pages(
                    connection,
                    "SELECT id, row_guid, cd_batch, %s, error_remark "
                    "FROM dn_lic_data_error WHERE id > %s ORDER BY id LIMIT %s",
                    licence_at,
                    reports,
                    err_type=LICENCE_ERR_TYPE,
                )
        cursor = f"{audit_at}:{licence_at}"
        if cursor != target.feedback_cursor and (audit_at or licence_at):
            target.feedback_cursor = cursor
            target.save(update_fields=["feedback_cursor"])
        return reports


def read_cursor(text: str) -> tuple[int, int]:
    first, _, second = (text or "").partition(":")
    return int(first or 0), int(second or 0)


def _pages(
    connection: pymysql.connections.Connection[Any],
    query: str,
    after: int,
    reports: list[Feedback],
    *,
    err_type: str | None = None,
) -> int:
    """Read a feedback table page by page from `after`; return the last id read. The query selects id,
    row_guid, cd_batch, the error type (`err_type`, bound, if the table has none) and the remark."""
    with connection.cursor() as cursor:
        for _ in range(FEEDBACK_PAGES):
            cursor.execute(query, (*([err_type] if err_type else []), after, FEEDBACK_PAGE))
            page = cursor.fetchall()
            for pk, row_guid, cd_batch, err_type, remark in page:
                reports.append(
                    Feedback(
                        row_guid=row_guid or "",
                        cd_batch=cd_batch or "",
                        accepted=False,
                        err_type=err_type or "",
                        remark=remark or "",
                    )
                )
                after = pk
            if len(page) < FEEDBACK_PAGE:
                break
    return after
