"""The 前置库's tables as Yimen writes them (MySQL/MariaDB, utf8mb4): one `CREATE TABLE IF NOT EXISTS` per
file, named for its table. The up_* tables carry the national field names rows.py writes (their names,
lengths and NOT NULL as in the national exchange tables; up_pro_evaluation is Yimen's own, the national
evaluation table not having been seen) plus `id`, `row_guid` and the bookkeeping (cd_batch,
cd_operation, cd_time, data_source). The dn_* tables are the province's feedback; dn_lic_data_error
carries the refused row's `row_guid`, so its reports match a row as dn_audit_abnormal's do.

`yimen exchange_ddl` prints them for the province's DBA, or creates them in a database.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from yimen.exchange.models import Kind

HERE = Path(__file__).resolve().parent

UPLOADS = (
    Kind.ACCEPT,
    Kind.PROCESS,
    Kind.RESULT,
    Kind.SPECIAL,
    Kind.MATERIAL,
    Kind.TASK,
    Kind.LICENCE,
    Kind.EVALUATION,
)
FEEDBACK = ("dn_audit_abnormal", "dn_lic_data_error")
TABLES: tuple[str, ...] = (*(str(kind.value) for kind in UPLOADS), *FEEDBACK)


def statement(table: str) -> str:
    """The table's CREATE TABLE statement, its leading comment included, without the final semicolon."""
    return (HERE / f"{table}.sql").read_text(encoding="utf-8").strip().rstrip(";")


def script() -> str:
    """Every table's statement, as one script for the mysql client."""
    header = "-- 一门（Yimen）数据交换前置库表结构：MySQL 5.7+/MariaDB 10.3+，utf8mb4\n"
    return header + "\n\n".join(f"{statement(table)};" for table in TABLES) + "\n"


def apply(endpoint: str, password: str) -> tuple[list[str], list[str]]:
    """Create the tables missing in the database at `endpoint`: (created, already there). A table that
    exists is left as it is."""
    from yimen.exchange.transports.frontdb import connect, parse_endpoint

    dsn = parse_endpoint(endpoint)
    with closing(connect(dsn, password, autocommit=True)) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (dsn.database,)
        )
        present = {name for (name,) in cursor.fetchall()}
        created = [table for table in TABLES if table not in present]
        for table in created:
            cursor.execute(statement(table))
    return created, [table for table in TABLES if table in present]
