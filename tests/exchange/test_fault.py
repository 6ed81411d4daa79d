"""The HTTP push under faults: 5,000 case events go through the real outbox, real `yimen worker`
processes and the real transport to a receiver on 127.0.0.1, while the receiver is down for a while
and the workers (two at a time) are SIGKILLed again and again (at random moments, and inside the receiver's handling of a
row it has applied, so that the answer is lost and the row comes again). At the end every delivery is
accepted, the receiver holds every row_guid, nothing is lost and nothing is applied twice: the
receiver dedupes on webhook-id, and the raw repeats it dropped are counted.

The workers run against their own SQLite database in a temporary YIMEN_VAR (as
tests/core/test_worker_process.py does), with a short retry schedule and short leases. The cases are
written in bulk (through the services 5,000 cases would take minutes) and each gets one case.accepted
event in the outbox, as the window's acceptance emits it.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.core.test_worker_process import ROOT, _yimen
from tests.exchange.receiver import SECRET, running_receiver

CASES = 5_000
WORKERS = 2  # running at once, as on two worker nodes
TIMED_KILLS = 10  # SIGKILLs of a worker at a random moment 3–8 s after it started
KILL_AFTER = (3.0, 8.0)
KILL_AT = (600, 2_400, 4_200)  # SIGKILLs while the receiver applies its n-th row (the answer is lost)
DOWN_AT, DOWN_SECONDS = 1_500, 8.0  # the receiver stops listening after its 1,500th row, for 8 s
RETRY_SECONDS = "0,1,1,2,2,2,3,3,3,3,3,3,3,3,3,3,3,3,3,3"  # 20 attempts over about 50 s
TIMEOUT_SECONDS = 240


def seed(count: int, url: str, secret: str) -> None:
    """In the workers' database: a department with a published item, the department's HTTP target, and
    `count` accepted cases, each with its case.accepted event in the outbox."""
    from datetime import timedelta
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    import tests.conftest  # first: it imports the catalogue's conftest itself
    from tests.catalog.conftest import make_people, published
    from yimen.cases import events as case_events
    from yimen.cases.models import Case, CaseState
    from yimen.core import events
    from yimen.exchange.models import Kind, Target

    cast = tests.conftest.make_cast()
    version = published(make_people(cast), promised_limit=Decimal(20), legal_limit=Decimal(20))
    Target.objects.create(
        code="department", name="市场监管局业务系统", role="department", transport="http",
        endpoint=url, secret=secret, kinds=[Kind.ACCEPT], batch_size=200,
    )  # fmt: skip
    now = timezone.now()
    for start in range(0, count, 1000):
        with transaction.atomic():
            cases = Case.objects.bulk_create(
                Case(
                    number=f"SJJ{now:%Y%m%d}{n:06d}",
                    query_code=f"{n % 1_000_000:06d}",
                    item_id=version.item_id,
                    version=version,
                    organisation=cast.market,
                    window=cast.window,
                    channel="window",
                    state=CaseState.HANDLING,
                    applicant_kind="person",
                    applicant_name=f"申请人{n}",
                    id_number="11010519491231002X",
                    phone=f"139{n:08d}",
                    submitted_at=now,
                    accepted_at=now,
                    promised_due=now + timedelta(days=28),
                    step="审查",
                    step_index=1,
                )
                for n in range(start, min(start + 1000, count))
            )
            for case in cases:
                step = case_events.CaseStep(case=case.pk, number=case.number, state=CaseState.HANDLING)
                events.emit(case_events.ACCEPTED, step, key=f"case:{case.pk}:accepted")


class Workers:
    """`yimen worker` processes, each started again when it has been killed (by its process group)."""

    def __init__(self, env: dict[str, str], log: Path, count: int) -> None:
        self.env = env
        self.log = log.open("ab")
        self.lock = threading.Lock()
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self.started_at = [0.0] * count
        self.kills = 0

    def start(self, slot: int) -> None:
        with self.lock:
            self.processes[slot] = subprocess.Popen(
                [sys.executable, "-m", "yimen.cli", "worker", "--interval", "0.2"],
                env=self.env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=self.log,
                start_new_session=True,
            )
            self.started_at[slot] = time.monotonic()

    def kill(self, slot: int | None = None) -> None:
        """SIGKILL one worker, or every one (`slot` None)."""
        with self.lock:
            for n, process in enumerate(self.processes):
                if (slot is None or n == slot) and process is not None and process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                    self.kills += 1

    def dead(self) -> list[int]:
        with self.lock:
            return [
                n for n, process in enumerate(self.processes) if process is None or process.poll() is not None
            ]

    def stop(self) -> None:
        with self.lock:
            for process in self.processes:
                if process is not None and process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in self.processes:
                if process is not None:
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        os.killpg(process.pid, signal.SIGKILL)
                        process.wait()
        self.log.close()


def _query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        return connection.execute(sql).fetchall()


def _drained(database: Path) -> bool:
    [(accepted,)] = _query(database, "SELECT count(*) FROM exchange_delivery WHERE status = 'accepted'")
    [(open_events,)] = _query(
        database, "SELECT count(*) FROM core_outboxmessage WHERE status IN ('pending', 'claimed')"
    )
    return accepted >= CASES and open_events == 0


def test_killed_workers_and_a_receiver_down_lose_nothing_and_apply_nothing_twice(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        YIMEN_VAR=str(tmp_path),
        PYTHONPATH=str(ROOT),
        YIMEN_EXCHANGE_RETRY_SECONDS=RETRY_SECONDS,
        YIMEN_EXCHANGE_LEASE_SECONDS="4",
        YIMEN_OUTBOX_LEASE_SECONDS="3",
        LOG_LEVEL="WARNING",
    )
    database = tmp_path / "yimen.sqlite3"
    began = time.monotonic()
    _yimen(env, "migrate", "--verbosity", "0", timeout=300)
    print(f"\nmigrated in {time.monotonic() - began:.0f} s")
    rng = random.Random(2026)
    with running_receiver(SECRET) as receiver:
        code = f"from tests.exchange.test_fault import seed; seed({CASES}, {receiver.url!r}, {SECRET!r})"
        _yimen(env, "shell", "--no-imports", "-c", code, timeout=300)
        print(f"seeded in {time.monotonic() - began:.0f} s")
        workers = Workers(env, tmp_path / "worker.log", WORKERS)
        in_flight: list[int] = []

        def applied(count: int) -> None:
            if count == DOWN_AT:
                receiver.down(DOWN_SECONDS)
            if count in KILL_AT:
                workers.kill()  # the row is applied; the worker sending it never hears so
                in_flight.append(count)

        receiver.on_applied = applied
        began = time.monotonic()
        timed = 0
        kill_after = [0.0] * WORKERS
        try:
            while time.monotonic() - began < TIMEOUT_SECONDS:
                for slot in workers.dead():
                    workers.start(slot)
                    kill_after[slot] = rng.uniform(*KILL_AFTER)
                time.sleep(0.2)
                for slot in range(WORKERS):
                    if (
                        timed < TIMED_KILLS
                        and time.monotonic() - workers.started_at[slot] >= kill_after[slot]
                    ):
                        workers.kill(slot)
                        timed += 1
                if timed == TIMED_KILLS and len(in_flight) == len(KILL_AT) and _drained(database):
                    break
        finally:
            workers.stop()
        seconds = time.monotonic() - began

        statuses = Counter(
            dict(_query(database, "SELECT status, count(*) FROM exchange_delivery GROUP BY status"))
        )
        guids = {
            guid
            for (guid,) in _query(
                database, "SELECT row_guid FROM exchange_record WHERE kind = 'up_pro_accept'"
            )
        }
        [(deliveries, records)] = _query(
            database, "SELECT count(*), count(DISTINCT record_id) FROM exchange_delivery"
        )
        [(attempts,)] = _query(database, "SELECT sum(attempts) FROM exchange_delivery")
        outbox = Counter(
            dict(_query(database, "SELECT status, count(*) FROM core_outboxmessage GROUP BY status"))
        )
        lost = guids - set(receiver.rows)
        twice = {guid: n for guid, n in receiver.applied.items() if n > 1}
        print(
            f"\n{CASES:,} case events in {seconds:.0f} s; worker kills: {timed} at random moments, "
            f"{len(in_flight)} in flight; receiver down {DOWN_SECONDS:.0f} s after row {DOWN_AT:,}\n"
            f"deliveries {dict(statuses)}, push attempts {attempts:,}; outbox {dict(outbox)}\n"
            f"receiver: {receiver.requests:,} signed requests, {len(receiver.ids):,} applied, "
            f"{receiver.duplicates} raw duplicates dropped, {len(receiver.refused)} refused; "
            f"lost {len(lost)}, applied twice {len(twice)}"
        )

    assert timed == TIMED_KILLS and in_flight == list(KILL_AT), "the faults did not all happen"
    assert attempts > CASES, "no row was ever tried twice"
    assert len(guids) == CASES and (deliveries, records) == (CASES, CASES)  # one row, one delivery a case
    assert statuses == Counter({"accepted": CASES}), "every row accepted"
    assert lost == set() and twice == {} and len(receiver.ids) == CASES
    assert receiver.duplicates >= 1 and receiver.refused == []
    assert outbox.get("dead", 0) == 0 and outbox.get("pending", 0) == 0
