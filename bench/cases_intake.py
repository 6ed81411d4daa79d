"""(a) of bench/cases.py: intake through the services in client processes, against single-row INSERT +
commit in as many processes, rounds interleaved; and what the clients' server processes wait on.

Each client files to its own item, as the windows of a centre do: the 办件编号's serial is counted per
item and day, so clients filing to one item take turns at its counter row (each waits for the one
before to commit).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from collections import Counter
from typing import Any

SCRATCH = """CREATE TABLE IF NOT EXISTS bench_scratch (
    id bigserial PRIMARY KEY, number varchar(80) NOT NULL, query_code varchar(6) NOT NULL,
    item_id integer NOT NULL, organisation_id integer NOT NULL, channel varchar(10) NOT NULL,
    state varchar(12) NOT NULL, applicant_name varchar(100) NOT NULL, id_number varchar(18) NOT NULL,
    phone varchar(20) NOT NULL, submitted_at timestamptz NOT NULL, accepted_at timestamptz,
    promised_due timestamptz, step varchar(60) NOT NULL, note varchar(500) NOT NULL)"""
INSERT = """INSERT INTO bench_scratch (number, query_code, item_id, organisation_id, channel, state,
    applicant_name, id_number, phone, submitted_at, accepted_at, promised_due, step, note)
    VALUES (%s, '123456', 1, 1, 'online', 'submitted', '张三', '11010519491231002X', '13812345678',
    now(), now(), now(), '受理', '')"""


Worked = tuple[int, float, float, float]  # operations, seconds, client CPU s, server CPU s


def _server_cpu(pid: int) -> float:
    """CPU seconds of a server process of this machine's PostgreSQL (nan if it runs elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _baseline_worker(args: tuple[str, float, int]) -> Worked:
    import psycopg

    url, seconds, index = args
    done = 0
    with psycopg.connect(url, autocommit=True) as conn:
        backend = conn.info.backend_pid
        server, client, start = _server_cpu(backend), time.process_time(), time.perf_counter()
        while time.perf_counter() - start < seconds:
            conn.execute(INSERT, (f"B{index}-{done}",))  # autocommit: every INSERT is its own commit
            done += 1
        elapsed = time.perf_counter() - start
        return done, elapsed, time.process_time() - client, _server_cpu(backend) - server


def _cycle(item: Any, clerk: Any, reviewer: Any, rng: random.Random, label: str) -> None:
    """One case through submit → accept → conclude: three transitions."""
    from yimen.cases.services import intake as case_intake
    from yimen.cases.services import steps
    from yimen.core.people import Applicant
    from yimen.demo import cases as demo

    name, id_number = demo.invented_person(rng)
    applicant = Applicant(kind="person", name=name, phone="13812345678", id_number=id_number)
    case = case_intake.submit(item=item, applicant=applicant, channel="online")
    case = steps.accept(case=case, by=clerk)
    steps.conclude(case=case, by=reviewer, result="issued", certificate_no=label)


def _cast_objects(item_id: int, clerk_id: int, reviewer_id: int) -> tuple[Any, Any, Any]:
    from yimen.catalog.models import ServiceItem
    from yimen.org.models import Staff

    return (
        ServiceItem.objects.get(pk=item_id),
        Staff.objects.get(pk=clerk_id),
        Staff.objects.get(pk=reviewer_id),
    )


def _intake_worker(args: tuple[int, int, int, float, int]) -> Worked:
    from django.db import connection, connections

    item_id, clerk_id, reviewer_id, seconds, index = args
    connections.close_all()  # never share the parent's connection
    item, clerk, reviewer = _cast_objects(item_id, clerk_id, reviewer_id)
    rng = random.Random(index)
    _cycle(
        item, clerk, reviewer, rng, f"WARM{index}-{os.getpid()}"
    )  # imports and caches before the clock starts
    done = 0
    backend = connection.connection.info.backend_pid
    server, client, start = _server_cpu(backend), time.process_time(), time.perf_counter()
    while time.perf_counter() - start < seconds:
        _cycle(item, clerk, reviewer, rng, f"BENCH{index}-{os.getpid()}-{done}")
        done += 3
    elapsed = time.perf_counter() - start
    worked = done, elapsed, time.process_time() - client, _server_cpu(backend) - server
    connections.close_all()
    return worked


def _intake_casts(count: int) -> list[tuple[int, int, int]]:
    """`count` promised licence items taking online applications whose organisation has a clerk (受理)
    and a reviewer (办结): (item, clerk, reviewer) ids, distinct items as far as there are enough."""
    from yimen.cases.services.intake import ONLINE_DEPTHS
    from yimen.catalog.models import ServiceItem
    from yimen.org.models import Role, StaffRole

    holders: dict[tuple[int, str], int] = {}
    for staff_id, role, org_id in StaffRole.objects.filter(
        role__in=[Role.CLERK, Role.REVIEWER], staff__is_active=True
    ).values_list("staff_id", "role", "organisation_id"):
        holders.setdefault((org_id, role), staff_id)
    items = ServiceItem.objects.filter(
        current__isnull=False,
        retired_at__isnull=True,
        current__promised_limit__gt=0,
        current__online_depth__in=ONLINE_DEPTHS,
    ).order_by("pk")
    casts = []
    for item in items:
        org = item.organisation_id
        if (org, Role.CLERK) in holders and (org, Role.REVIEWER) in holders:
            casts.append((item.pk, holders[(org, Role.CLERK)], holders[(org, Role.REVIEWER)]))
            if len(casts) == count:
                break
    if not casts:
        raise SystemExit("没有同时有窗口人员和审批人员的承诺件事项")
    return [casts[i % len(casts)] for i in range(count)]


def _activity() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(wait_event_type || ': ' || wait_event, 'running') || ' — ' || left(query, 60)"
            " FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle'"
            " AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def cycle_queries() -> int:
    """Round trips in one submit → accept → conclude as the clients run it (BEGIN and COMMIT included):
    after a first cycle, which also reads the item, the staff's roles, the guide's steps and the centre's
    name."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item, clerk, reviewer = _cast_objects(*_intake_casts(1)[0])
    rng = random.Random(99)
    _cycle(item, clerk, reviewer, rng, "COUNT-1")
    with CaptureQueriesContext(connection) as captured:
        _cycle(item, clerk, reviewer, rng, "COUNT-2")
    return len(captured.captured_queries)


Run = tuple[str, int, float, float, float]  # what, operations, seconds, client and server CPU ms an operation


def _run(what: str, worked: list[Worked]) -> Run:
    done = sum(w[0] for w in worked)
    client, server = (sum(w[i] for w in worked) * 1000 / max(done, 1) for i in (2, 3))
    return what, done, max(w[1] for w in worked), client, server


def intake(url: str, seconds: float, clients: int, rounds: int, waits: Counter[str]) -> list[Run]:
    """Interleaved rounds of baseline and intake; each row: (what, operations, seconds, client CPU ms
    and server CPU ms per operation)."""
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute(SCRATCH)
    casts = _intake_casts(clients)
    connections.close_all()
    runs: list[Run] = []
    pool = multiprocessing.get_context("fork").Pool(clients)
    try:
        for _ in range(rounds):
            base = pool.map(_baseline_worker, [(url, seconds, i) for i in range(clients)])
            runs.append(_run("baseline INSERT + commit", base))
            pending = pool.map_async(_intake_worker, [(*casts[i], seconds, i) for i in range(clients)])
            while not pending.ready():  # what the clients' server processes are doing, 5 times a second
                pending.wait(0.2)
                waits.update(_activity())
            work = pending.get()
            runs.append(_run("intake transitions", work))
    finally:
        pool.close()
        pool.join()
    return runs
