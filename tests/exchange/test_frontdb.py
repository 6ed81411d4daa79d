"""The 前置库 transport against a real MariaDB: rows written in batches, the province's 汇聚区 (the simulator)
refusing what it must, its feedback read back, corrections re-sent under the same row_guid."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pymysql
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from pymysql.cursors import DictCursor

from tests.cases.conftest import APPLICANT, COMPANY, file
from tests.exchange.conftest import make_target, work_off
from tests.exchange.province_simulator import Simulator, main
from yimen.cases.models import Case, Result
from yimen.cases.services import steps
from yimen.cases.services.privacy import correct_applicant
from yimen.catalog.models import ServiceItem
from yimen.core.errors import ApplicationError
from yimen.core.models import AuditEntry
from yimen.exchange import ddl, push, rows, sync
from yimen.exchange.models import Delivery, Kind, Status, Target
from yimen.exchange.transports import Outgoing
from yimen.exchange.transports import frontdb as frontdb_transport
from yimen.exchange.transports.frontdb import FrontDb, connect, parse_endpoint

SERVER = os.environ.get("YIMEN_TEST_MARIADB", "mysql://root@127.0.0.1:3306")
SIMULATOR_TABLES = ("sim_cursor", "sim_seen", "hj_accepted")


def server() -> pymysql.connections.Connection[Any]:
    parts = urlsplit(SERVER)
    return pymysql.connect(
        host=parts.hostname, port=parts.port or 3306, user=parts.username, connect_timeout=3, autocommit=True
    )


@pytest.fixture(scope="session")
def frontdb_database() -> Iterator[str]:
    """A database of this test session's own with Yimen's 前置库 tables: its endpoint."""
    try:
        admin = server()
    except pymysql.MySQLError as exc:
        pytest.skip(f"MariaDB at {SERVER} is unreachable ({exc}): the 前置库 tests need it")
    name = f"yimen_test_frontdb_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    endpoint = f"{SERVER}/{name}"
    ddl.apply(endpoint, "")
    Simulator(endpoint).install()
    try:
        yield endpoint
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.fixture
def frontdb(frontdb_database: str) -> str:
    """The 前置库 emptied for the test."""
    with closing(query_connection(frontdb_database)) as connection, connection.cursor() as cursor:
        for table in (*ddl.TABLES, *SIMULATOR_TABLES):
            cursor.execute(f"TRUNCATE TABLE `{table}`")
    return frontdb_database


def query_connection(endpoint: str) -> pymysql.connections.Connection[Any]:
    return connect(parse_endpoint(endpoint), "", autocommit=True)


def select(endpoint: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    with closing(query_connection(endpoint)) as connection, connection.cursor(DictCursor) as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def province(endpoint: str, **fields: Any) -> Target:
    fields.setdefault("batch_size", 500)
    return make_target("province", transport="frontdb", endpoint=endpoint, data_source="421", **fields)


def concluded(item: ServiceItem, cast: Any, applicant: Any = COMPANY) -> Case:
    case = steps.accept(case=file(item, cast, applicant), by=cast.clerk)
    return steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="食证-0001")


def delivery_of(target: Target, kind: str, case: Case) -> Delivery:
    return Delivery.objects.filter(target=target, kind=kind, record__group=f"case:{case.pk}").latest("id")


# Corrupts COMPANY's credit code on its way to the province only (the last character is its check).
BAD_USCC = {Kind.ACCEPT: {"values": {"applyer_page_code": {COMPANY.uscc: COMPANY.uscc[:-1] + "4"}}}}


def test_a_concluded_case_lands_in_the_front_tables_with_its_bookkeeping(cast, licence, frontdb):
    target = province(frontdb)
    case = concluded(licence, cast)
    work_off()
    pushed = push.push(target)
    assert pushed.sent == Delivery.objects.filter(target=target).count() and pushed.sent >= 4
    accept = select(frontdb, "SELECT * FROM up_pro_accept")
    assert len(accept) == 1
    row = accept[0]
    assert row["project_no"] == case.number and row["applyer_name"] == "咸宁市青山食品有限公司"
    assert row["applyer_page_code"] == COMPANY.uscc and row["applyer_page_type"] == "001"
    assert row["row_guid"] == delivery_of(target, Kind.ACCEPT, case).record.row_guid
    assert row["cd_operation"] == "I" and len(row["cd_batch"]) == 32 and row["data_source"] == "421"
    assert row["cd_time"] is not None and row["accept_date"] is not None
    assert row["contact_code"] is None  # a column Yimen does not fill stays NULL
    steps_written = select(frontdb, "SELECT event_name, cd_batch FROM up_pro_process ORDER BY event_end_time")
    assert [r["event_name"] for r in steps_written] == ["01", "02", "11"]  # 申报, 受理, 办结
    assert {r["cd_batch"] for r in steps_written} == {row["cd_batch"]}  # one batch
    result = select(frontdb, "SELECT * FROM up_pro_result")
    assert [(r["result_type"], r["result_cetr_no"]) for r in result] == [("1", "食证-0001")]
    assert not Delivery.objects.filter(target=target).exclude(status=Status.SENT).exists()


def test_the_province_rejects_a_bad_row_and_accepts_the_others_after_the_wait(cast, licence, frontdb):
    target = province(frontdb, mapping=BAD_USCC, ack_minutes=60)
    company = concluded(licence, cast, COMPANY)
    person = concluded(licence, cast, APPLICANT)
    work_off()
    push.push(target)
    verdict = Simulator(frontdb).run_once()
    # The bad 受理 row is refused, and with it every row of that case (their 受理 never entered the 汇聚区).
    of_company = Delivery.objects.filter(target=target, record__group=f"case:{company.pk}")
    assert verdict.rejected == of_company.count()
    assert verdict.accepted == Delivery.objects.filter(target=target).count() - of_company.count()
    assert {kind for _, kind, _ in verdict.reasons} == {"编码不符合规范", "关联数据缺失"}
    assert push.collect_feedback(target) == of_company.count()
    bad = delivery_of(target, Kind.ACCEPT, company)
    assert bad.status == Status.REJECTED and bad.err_type == "编码不符合规范"
    assert "applyer_page_code" in bad.remark and "GB 32100" in bad.remark
    assert delivery_of(target, Kind.ACCEPT, person).status == Status.SENT  # not yet: the wait
    later = timezone.now() + timedelta(minutes=61)
    push.confirm_quiet(target, now=later)
    others = Delivery.objects.filter(target=target).exclude(record__group=f"case:{company.pk}")
    assert set(others.values_list("status", flat=True)) == {Status.ACCEPTED}
    assert set(of_company.values_list("status", flat=True)) == {Status.REJECTED}
    target.refresh_from_db()
    assert target.feedback_cursor == f"{of_company.count()}:0"
    assert push.collect_feedback(target, now=later) == 0  # read once


def test_a_correction_is_resent_under_the_same_row_guid_and_accepted(cast, licence, frontdb):
    target = province(frontdb, mapping=BAD_USCC)
    company = concluded(licence, cast, COMPANY)
    work_off()
    push.push(target)
    Simulator(frontdb).run_once()
    push.collect_feedback(target)
    rejected = delivery_of(target, Kind.ACCEPT, company)
    assert rejected.status == Status.REJECTED
    target.mapping = {}  # the province's code set fixed on our side; the record corrected by staff
    target.save(update_fields=["mapping"])
    correct_applicant(
        case=company,
        changes={"applicant_name": "咸宁市青山食品有限责任公司"},
        by=cast.reviewer,
        reason="更正",
    )
    work_off()
    push.push(target)
    written = select(frontdb, "SELECT * FROM up_pro_accept ORDER BY id")
    # The province refused the first: it holds nothing under that row_guid, so the correction is new.
    assert [r["cd_operation"] for r in written] == ["I", "I"]
    first, again = written
    assert again["row_guid"] == first["row_guid"] == rejected.record.row_guid
    assert again["cd_batch"] != first["cd_batch"] and again["applyer_page_code"] == COMPANY.uscc
    verdict = Simulator(frontdb).run_once()
    assert verdict.rejected == 0 and verdict.accepted >= 1
    taken = Simulator(frontdb).accepted("up_pro_accept")
    assert [(r["row_guid"], r["cd_operation"]) for r in taken] == [(again["row_guid"], "I")]
    push.collect_feedback(target, now=timezone.now() + timedelta(minutes=61))
    corrected = delivery_of(target, Kind.ACCEPT, company)
    assert corrected.status == Status.ACCEPTED and corrected.correction
    assert corrected.cd_batch == again["cd_batch"]


def test_a_batch_is_one_insert_per_table(cast, licence, frontdb, monkeypatch):
    target = province(frontdb)
    for _ in range(3):
        concluded(licence, cast)
    work_off()
    statements: list[str] = []
    original = pymysql.cursors.Cursor._query

    def counted(self: pymysql.cursors.Cursor, sql: str | bytes) -> int:
        statements.append(sql if isinstance(sql, str) else bytes(sql).decode())
        return original(self, sql)

    monkeypatch.setattr(pymysql.cursors.Cursor, "_query", counted)
    pushed = push.push(target)
    inserts = [sql for sql in statements if sql.startswith("INSERT")]
    tables = sorted(sql.split("`")[1] for sql in inserts)
    assert tables == sorted(set(Delivery.objects.filter(target=target).values_list("kind", flat=True)))
    assert (
        pushed.sent
        == sum(len(select(frontdb, f"SELECT id FROM `{table}`")) for table in tables)
        > len(tables)
    )


def test_a_row_the_database_refuses_is_rejected_without_holding_up_the_batch(cast, licence, frontdb):
    # 联系人手机号码 is varchar(11): a landline with its area code does not fit.
    target = province(
        frontdb, mapping={Kind.ACCEPT: {"values": {"contact_mobile": {COMPANY.phone: "0715-81265170"}}}}
    )
    company = concluded(licence, cast, COMPANY)
    person = concluded(licence, cast, APPLICANT)
    work_off()
    pushed = push.push(target)
    assert pushed.rejected == 1 and pushed.sent == Delivery.objects.filter(target=target).count() - 1
    refused = delivery_of(target, Kind.ACCEPT, company)
    assert refused.status == Status.REJECTED and refused.err_type == "长度超出限制"
    assert "contact_mobile" in refused.remark
    written = select(frontdb, "SELECT project_no FROM up_pro_accept")
    assert written == [{"project_no": person.number}]  # the other row once, not twice
    assert len(select(frontdb, "SELECT id FROM up_pro_process")) == 6


def test_a_connection_failure_leaves_the_rows_pending_for_retry(cast, licence, frontdb):
    parts = urlsplit(frontdb)
    target = province(f"mysql://root@127.0.0.1:1{parts.path}")  # nothing listens on port 1
    concluded(licence, cast)
    work_off()
    before = timezone.now()
    pushed = push.push(target)
    assert pushed.retried == Delivery.objects.filter(target=target).count() > 0
    for delivery in Delivery.objects.filter(target=target):
        assert delivery.status == Status.PENDING and delivery.attempts == 1
        assert "OperationalError" in delivery.last_error and delivery.next_at >= before
    assert select(frontdb, "SELECT id FROM up_pro_accept") == []


def test_rows_for_a_table_the_front_db_lacks_wait_for_it(cast, licence, frontdb):
    target = province(frontdb, mapping={Kind.RESULT: {"table": "up_pro_result_2026"}})
    concluded(licence, cast)
    work_off()
    pushed = push.push(target)
    waiting = Delivery.objects.get(target=target, kind=Kind.RESULT)
    assert pushed.retried == 1 and waiting.status == Status.PENDING
    assert "中没有表 up_pro_result_2026" in waiting.last_error
    assert len(select(frontdb, "SELECT id FROM up_pro_accept")) == 1  # the others are not held up


def test_a_kept_connection_the_server_closed_is_opened_again(cast, licence, frontdb):
    target = province(frontdb)
    concluded(licence, cast)
    work_off()
    push.push(target, limit=2)
    _, kept = frontdb_transport._kept.connections[parse_endpoint(frontdb)]
    with closing(server()) as admin, admin.cursor() as cursor:
        cursor.execute("KILL %s", (kept.thread_id(),))  # the server restarted, or its wait_timeout passed
    pushed = push.push(target)
    assert pushed.sent == Delivery.objects.filter(target=target).count() - 2 and pushed.retried == 0
    assert len(select(frontdb, "SELECT id FROM up_pro_process")) == 3


def test_fields_the_table_lacks_are_dropped_and_logged_once(cast, licence, frontdb, caplog):
    target = province(frontdb, mapping={Kind.ACCEPT: {"constants": {"window_no": "A01"}}})
    concluded(licence, cast)
    concluded(licence, cast)
    work_off()
    push.push(target, limit=3)
    push.push(target)
    assert len(select(frontdb, "SELECT id FROM up_pro_accept")) == 2
    warnings = [r.getMessage() for r in caplog.records if "window_no" in r.getMessage()]
    assert len(warnings) == 1 and "up_pro_accept" in warnings[0]


def test_a_deletion_names_the_row_as_last_written(cast, licence, frontdb):
    target = province(frontdb)
    work_off()  # the item's publication: its 事项目录 row
    push.push(target)
    group = rows.item_group(licence.impl_code)
    sync.sync(group, [])  # the row withdrawn
    push.push(target)
    written = select(frontdb, "SELECT task_name, row_guid, cd_operation FROM up_task_directory ORDER BY id")
    assert [(r["task_name"], r["cd_operation"]) for r in written] == [
        ("食品经营许可证核发", "I"),
        ("食品经营许可证核发", "D"),
    ]
    assert written[0]["row_guid"] == written[1]["row_guid"]
    assert Simulator(frontdb).run_once().rejected == 0


def test_feedback_reads_both_tables_from_its_cursor(frontdb, db):
    target = province(frontdb)
    with closing(query_connection(frontdb)) as connection, connection.cursor() as cursor:
        for n in range(3):
            cursor.execute(
                "INSERT INTO dn_audit_abnormal (row_guid, table_name, table_sql_name, table_row_guid, "
                "table_cd_batch, table_cd_source, table_cd_time, table_update_time, err_type, remark, cd_time) "
                "VALUES (%s, '办件受理信息', 'up_pro_accept', %s, 'B1', '421', NOW(), NOW(), '必填项为空', %s, NOW())",
                (f"a{n}", f"guid{n}", f"说明{n}"),
            )
        cursor.execute(
            "INSERT INTO dn_lic_data_error (row_guid, certificate_source_id, certificate_name, certificate_number, "
            "certificate_type, certificate_type_code, certificate_holder, certificate_holder_code, "
            "certificate_area_code, issue_dept, issue_dept_code, issue_date, error_remark, cd_batch, "
            "cd_operation, cd_time, data_source) VALUES ('lic1', 's', 'n', 'no', 't', 'tc', 'h', 'hc', '421200', "
            "'d', 'dc', '2026-01-01', '持证主体代码不符', 'B2', 'I', NOW(), '421')"
        )
    reports = FrontDb().feedback(target)
    assert [(r.row_guid, r.cd_batch, r.err_type, r.remark, r.accepted) for r in reports] == [
        ("guid0", "B1", "必填项为空", "说明0", False),
        ("guid1", "B1", "必填项为空", "说明1", False),
        ("guid2", "B1", "必填项为空", "说明2", False),
        ("lic1", "B2", "证照数据异常", "持证主体代码不符", False),
    ]
    target.refresh_from_db()
    assert target.feedback_cursor == "3:1"
    assert FrontDb().feedback(target) == []


@pytest.mark.parametrize(
    ("endpoint", "problem"),
    [
        ("http://root@127.0.0.1:3306/db", "scheme"),
        ("mysql://127.0.0.1:3306/db", "no user"),
        ("mysql://root:secret@127.0.0.1/db", "password in the address"),
        ("mysql://root@127.0.0.1:3306/", "no database"),
        ("mysql://root@127.0.0.1:99999/db", "port"),
    ],
)
def test_a_wrong_endpoint_is_refused_naming_the_field(endpoint, problem):
    with pytest.raises(ApplicationError) as caught:
        parse_endpoint(endpoint)
    assert caught.value.fields["endpoint"][0].startswith("地址：前置库地址应为 mysql://"), problem


def test_an_endpoint_is_read_with_its_default_port():
    dsn = parse_endpoint("mysql://yimen%40city@db.example:3307/frontdb")
    assert (dsn.user, dsn.host, dsn.port, dsn.database) == ("yimen@city", "db.example", 3307, "frontdb")
    assert parse_endpoint("mysql://u@h/d").port == 3306


def test_the_ddl_command_prints_and_creates_the_tables(frontdb_database, db, capsys):
    call_command("exchange_ddl")
    printed = capsys.readouterr().out
    for table in ddl.TABLES:
        assert f"CREATE TABLE IF NOT EXISTS `{table}`" in printed
    assert (
        printed.count("utf8mb4") >= len(ddl.TABLES) and "KEY `up_pro_accept_row_guid` (`row_guid`)" in printed
    )
    name = f"{urlsplit(frontdb_database).path.strip('/')}_ddl"
    with closing(server()) as admin, admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        try:
            call_command("exchange_ddl", "--apply", f"{SERVER}/{name}")
            assert f"新建 {len(ddl.TABLES)} 张表" in capsys.readouterr().out
            assert AuditEntry.objects.filter(action="exchange.frontdb_tables_created").count() == 1
            province(f"{SERVER}/{name}")
            call_command("exchange_ddl", "--target", "province")  # its address and password
            assert f"新建 0 张表（无），已有 {len(ddl.TABLES)} 张未改动" in capsys.readouterr().out
            cursor.execute(
                "SELECT column_name, is_nullable, character_maximum_length FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = 'up_pro_accept' AND column_name IN "
                "('applyer_page_code', 'row_guid', 'cd_batch', 'contact_mobile') ORDER BY column_name",
                (name,),
            )
            assert cursor.fetchall() == (
                ("applyer_page_code", "NO", 500),
                ("cd_batch", "NO", 32),
                ("contact_mobile", "YES", 11),
                ("row_guid", "NO", 50),
            )
        finally:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def test_the_ddl_command_names_a_bad_endpoint_or_target(db):
    with pytest.raises(CommandError, match="前置库地址应为"):
        call_command("exchange_ddl", "--apply", "postgres://x@h/d")
    with pytest.raises(CommandError, match="没有代码为 nowhere 的前置库交换目标"):
        call_command("exchange_ddl", "--target", "nowhere")
    assert not AuditEntry.objects.exists()


SIMULATED = [  # (table, fields changed on a good row, expected 异常类型, the field the remark names)
    ("up_pro_accept", {"applyer_name": ""}, "必填项为空", "applyer_name"),
    ("up_pro_accept", {"apply_type": "7"}, "编码不符合规范", "apply_type"),
    (
        "up_pro_accept",
        {"applyer_page_type": "111", "applyer_page_code": "110105194912310021"},
        "编码不符合规范",
        "applyer_page_code",
    ),
    ("up_pro_accept", {"cd_operation": "X"}, "编码不符合规范", "cd_operation"),
    ("up_pro_accept", {"cd_operation": "U", "row_guid": "never-sent"}, "关联数据缺失", "row_guid"),
    ("up_pro_process", {"project_no": "NO-SUCH-CASE"}, "关联数据缺失", "project_no"),
    ("up_lic_data", {"issue_date": "2026-13-45"}, "格式不符合规范", "issue_date"),
]


def good_rows() -> dict[str, dict[str, Any]]:
    common = {
        "cd_batch": "2026010100000000000000000000000",
        "cd_operation": "I",
        "cd_time": "2026-01-01 09:00:00",
        "data_source": "421",
    }
    return {
        "up_pro_accept": {
            **common, "row_guid": "acc", "project_no": "P-1", "task_code": "T1", "catalog_code": "C1",
            "task_name": "事项", "task_version": 1, "project_type": "2", "apply_type": "2",
            "apply_date": "2026-01-01 08:00:00", "applyer_name": "张三", "applyer_type": "1",
            "applyer_page_type": "111", "applyer_page_code": APPLICANT.id_number, "org_name": "局",
            "org_code": "SJJ", "accept_date": "2026-01-01 08:30:00",
        },
        "up_pro_process": {
            **common, "row_guid": "pro", "project_no": "P-1", "process_name": "受理", "event_name": "02",
            "event_start_time": "2026-01-01 08:00:00", "event_end_time": "2026-01-01 08:30:00",
            "handle_user_name": "李窗口", "handle_explain": "受理",
        },
        "up_lic_data": {
            **common, "row_guid": "lic", "certificate_source_id": "1.2.156.3005.2.x", "certificate_name": "许可证",
            "certificate_number": "N1", "certificate_type": "许可证", "certificate_type_code": "T", "certificate_holder": "公司",
            "certificate_holder_code": COMPANY.uscc, "certificate_holder_type": "001", "certificate_area_code": "421200",
            "issue_dept": "局", "issue_dept_code": "SJJ", "issue_date": "2026-01-01",
        },
    }  # fmt: skip


def insert(endpoint: str, table: str, row: dict[str, Any]) -> None:
    names = ", ".join(f"`{name}`" for name in row)
    with closing(query_connection(endpoint)) as connection, connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO `{table}` ({names}) VALUES ({', '.join(['%s'] * len(row))})", tuple(row.values())
        )


def test_the_simulator_takes_good_rows(frontdb):
    for table, row in good_rows().items():
        insert(frontdb, table, row)
    verdict = Simulator(frontdb).run_once()
    assert (verdict.accepted, verdict.rejected, verdict.reasons) == (3, 0, [])
    assert Simulator(frontdb).run_once().accepted == 0  # its cursor moved on


def test_the_simulator_runs_as_a_script(frontdb, capsys):
    insert(frontdb, "up_pro_accept", {**good_rows()["up_pro_accept"], "apply_type": "7"})
    assert main(["--db", frontdb, "--once"]) == 0
    printed = capsys.readouterr().out
    assert "接收 0 条，退回 1 条" in printed and "退回 acc：编码不符合规范，申请类型（apply_type）" in printed


@pytest.mark.parametrize(("table", "change", "err_type", "named"), SIMULATED)
def test_the_simulator_refuses_what_an_aggregation_zone_refuses(frontdb, table, change, err_type, named):
    good = good_rows()
    if table != "up_pro_accept":
        insert(frontdb, "up_pro_accept", good["up_pro_accept"])
    insert(frontdb, table, {**good[table], **change})
    verdict = Simulator(frontdb).run_once()
    assert verdict.rejected == 1
    guid, kind, remark = verdict.reasons[0]
    assert kind == err_type and named in remark
    if table == "up_lic_data":
        refused = select(frontdb, "SELECT row_guid, error_remark FROM dn_lic_data_error")
        assert refused[0]["row_guid"] == guid and named in refused[0]["error_remark"]
    else:
        refused = select(
            frontdb, "SELECT table_row_guid, table_sql_name, table_name, err_type FROM dn_audit_abnormal"
        )
        title = {"up_pro_accept": "办件受理信息", "up_pro_process": "办件过程信息"}[table]
        assert refused == [
            {"table_row_guid": guid, "table_sql_name": table, "table_name": title, "err_type": err_type}
        ]


def test_send_rate_against_a_raw_insert(frontdb, db):
    """FrontDb.send of 10,000 rows against a bare executemany of the same rows into the same table, each
    twice in turn on an emptied table, the better of each kept (the machine is shared)."""
    target = province(frontdb, batch_size=10_000)
    row = {
        **{k: v for k, v in good_rows()["up_pro_accept"].items() if k != "row_guid"},
        "address": "咸宁市咸安区温泉路 1 号", "contact_name": "张三", "contact_mobile": "13812345678",
        "project_name": "张三申请食品经营许可证核发", "handle_user_name": "李窗口", "promise_date": "2026-02-01 00:00:00",
    }  # fmt: skip
    batch = [
        Outgoing(n, f"g{n}.1", f"g{n}", Kind.ACCEPT, "up_pro_accept", "I", {**row, "row_guid": f"g{n:032d}"})
        for n in range(10_000)
    ]
    names = list(batch[0].row)
    statement = f"INSERT INTO up_pro_accept ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"

    def ours() -> float:
        started = time.perf_counter()
        outcomes = FrontDb().send(target, batch)
        assert [o.status for o in outcomes] == ["sent"] * 10_000
        return time.perf_counter() - started

    def raw() -> float:
        with closing(connect(parse_endpoint(frontdb), "")) as connection, connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.executemany(statement, [tuple(item.row[name] for name in names) for item in batch])
            connection.commit()
            return time.perf_counter() - started

    timings: dict[str, list[float]] = {"raw": [], "ours": []}
    for _ in range(2):
        for name, run in (("raw", raw), ("ours", ours)):
            with closing(query_connection(frontdb)) as connection, connection.cursor() as cursor:
                cursor.execute("TRUNCATE TABLE up_pro_accept")
            timings[name].append(run())
            assert select(frontdb, "SELECT COUNT(*) AS n FROM up_pro_accept") == [{"n": 10_000}]
    best = {name: min(times) for name, times in timings.items()}
    print(
        f"\n前置库写入 10000 行（MariaDB，本机）：FrontDb.send {10_000 / best['ours']:,.0f} 行/秒，"
        f"裸 executemany {10_000 / best['raw']:,.0f} 行/秒"
    )
    assert (
        best["ours"] < best["raw"] * 2 + 0.5
    )  # the mapping and bookkeeping cost little next to the database
