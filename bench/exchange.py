"""Benchmark: data exchange (数据交换) on PostgreSQL — a province's day of case events through the exchange
handlers, pushed to a 前置库 on MariaDB and to an HTTP receiver, against a raw INSERT of the same rows; and
the timeliness of a replayed peak hour.

Run from the repository root:

    .venv/bin/python bench/exchange.py [--events N] [--peak-minutes M] [--workers W] [--server postgres://…]
        [--mariadb mysql://root@127.0.0.1:3306] [--keep]

A province files about 11 million cases a month, 1.2 case events each: 400,000 events a day. The bench
runs a sample of that day (--events, default 10,000) and extrapolates; the sample is generated in bulk by
PostgreSQL (bench/exchange_data.py). Two targets take every case row: a 前置库 target (the real FrontDb
transport, batches of 500, into a database of its own on MariaDB) and an HTTP target (the real HttpJson
transport against tests/exchange/receiver.py in a subprocess).

(a) sync: the sample's events delivered in this process by `events.run_once` (the real handlers: each
    case event re-reads the case, `sync.sync` writes what changed and fans it out to both targets) —
    events/s. Its accepted events first, then the evaluations that follow them.
(b) push: `push.push` until each target has nothing due, the 前置库 and then the HTTP target — rows/s.
(c) baseline: the rows (b) left in the 前置库, read out, the tables emptied and the same rows INSERTed
    again with executemany, 500 rows a statement and a commit — rows/s, next to (b).
(d) end to end: a second sample of half the size worked off by W `yimen worker` processes (events, then
    both pushes, as in production) — events/s. Target: the day drains within an hour on the 2 cores,
    ≥ 400,000 ÷ 3,600 = 112 events/s.
(e) peak hour: while the workers run, cases and their events are filed at three times the day's average
    rate (the peak hour: 3 × 400,000 ÷ 24 events an hour) for M minutes (default 5; 60 replays the whole
    hour), each stamped with the wall-clock moment it was filed; then the share of rows written to the
    前置库 or taken by the receiver within 30 minutes of that moment. Target ≥ 99.9%.
If (d) misses, the last part profiles (a) and (b) on a further small sample (cProfile) and lists the top
costs. Checks (exit 2, RESULTS.md untouched): every handler succeeds; every row reaches the 前置库 once
(as many rows as it was owed) and the receiver once (no duplicate webhook-id); the baseline inserts as many rows.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import random
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import exchange_data as data
from common import (  # also puts this checkout on sys.path, before yimen
    REPO_ROOT,
    bench_database,
    fail,
    load,
    machine,
    percentile,
    table,
    write_results,
)
from exchange_peers import FrontDb, Receiver

SECTION = "## Data exchange (bench/exchange.py) — PostgreSQL"
DAY_EVENTS = 400_000  # 11 million cases a month × 1.2 events ÷ 30
HOUR_TARGET = DAY_EVENTS / 3600  # events/s for the day to drain within an hour
PEAK_EVENTS_PER_SECOND = 3 * DAY_EVENTS / 86400
LIMIT_MINUTES = 30
TIMELY_TARGET = 0.999
SECRET = "whsec_" + "YmVuY2ggZXhjaGFuZ2Ugc2VjcmV0LCAzMiBieXRlcyE="


@dataclass
class Stage:
    name: str
    count: int  # events or rows
    seconds: float
    unit: str
    note: str = ""

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


@dataclass
class Run:
    stages: list[Stage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows_per_event: float = 0.0
    end_to_end: Stage | None = None
    peak: dict[str, Any] = field(default_factory=dict)
    profile: list[tuple[str, str]] = field(default_factory=list)
    profile_seconds: float = 0.0


# --- setting up ----------------------------------------------------------------------------------


def targets(front: FrontDb, receiver: Receiver) -> tuple[Any, Any]:
    from yimen.exchange.models import Kind, Role, Target, Transport

    kinds = [Kind.ACCEPT, Kind.PROCESS, Kind.RESULT, Kind.SPECIAL, Kind.MATERIAL, Kind.EVALUATION]
    province = Target.objects.create(
        code="province", name="省一体化政务服务平台（前置库）", role=Role.PROVINCE, transport=Transport.FRONT_DB,
        endpoint=front.endpoint, secret=front.password, kinds=[*kinds, Kind.TASK, Kind.LICENCE],
        limit_minutes=LIMIT_MINUTES, batch_size=500,
    )  # fmt: skip
    http = Target.objects.create(
        code="http", name="跨省通办合作省份（HTTP）", role=Role.CROSS_PROVINCE, transport=Transport.HTTP,
        endpoint=receiver.url, secret=SECRET, kinds=kinds, limit_minutes=LIMIT_MINUTES, batch_size=500,
    )  # fmt: skip
    return province, http


def quiet_daily_jobs() -> None:
    """Today's daily jobs (the reconciliation of yesterday, the retention purge …) queued and marked done,
    so that no worker runs them inside the measured day."""
    from yimen.core import events
    from yimen.core.models import OutboxMessage, OutboxStatus

    events.emit_daily()
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(status=OutboxStatus.DONE)


def counts() -> dict[str, int]:
    from django.db.models import Count

    from yimen.exchange.models import Delivery, Record, Revision

    found = {f"deliveries {s}": n for s, n in Delivery.objects.values_list("status").annotate(n=Count("id"))}
    return found | {"records": Record.objects.count(), "revisions": Revision.objects.count()}


class Autovacuum:
    """What autovacuum does in production, which this machine's PostgreSQL has switched off (its CI
    settings): a thread with its own connection that, every NAPTIME seconds, ANALYZEs each table changed
    by more than 50 rows + 10% and VACUUMs each with more than 50 dead rows + 20% or 1,000 inserted rows +
    20% (autovacuum's default thresholds). Without it the planner keeps the empty tables' statistics of the
    start and every look-up of a record, and every foreign-key check, scans its whole table."""

    NAPTIME = 15.0
    DUE = """
        SELECT relname,
            n_mod_since_analyze > 50 + 0.1 * n_live_tup,
            n_dead_tup > 50 + 0.2 * n_live_tup OR n_ins_since_vacuum > 1000 + 0.2 * n_live_tup
        FROM pg_stat_user_tables WHERE schemaname = current_schema()
    """

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.runs = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.wait(self.NAPTIME):
                with connection.cursor() as cursor:
                    cursor.execute(self.DUE)
                    for table, analyze, vacuum in cursor.fetchall():
                        if vacuum or analyze:
                            cursor.execute(f'{"VACUUM ANALYZE" if vacuum else "ANALYZE"} "{table}"')
                            self.runs += 1
        finally:
            connection.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


# --- (a) sync, (b) push --------------------------------------------------------------------------


def deliver_all() -> tuple[int, float]:
    """Every due outbox message through its handlers, as the worker does: (messages, seconds)."""
    from yimen.core import events
    from yimen.core.models import OutboxMessage

    done, start = 0, time.perf_counter()
    while True:
        delivered, failed = events.run_once(100)
        if failed:
            error = OutboxMessage.objects.exclude(last_error="").values_list("last_error", flat=True).first()
            fail(f"a handler failed: {error}")
        if not delivered:
            return done, time.perf_counter() - start
        done += delivered


def push_all(target: Any) -> tuple[int, float]:
    """`push.push` until nothing is due for the target: (rows, seconds); any row not sent fails the run."""
    from yimen.exchange import push

    done, start = 0, time.perf_counter()
    while True:
        pushed = push.push(target)
        if pushed.retried or pushed.rejected or pushed.dead:
            from yimen.exchange.models import Delivery

            error = Delivery.objects.filter(target=target).exclude(last_error="").values_list("last_error", flat=True).first()  # fmt: skip
            fail(
                f"push to {target.code}: {pushed} — {error or Delivery.objects.filter(target=target, status='rejected').values_list('remark', flat=True).first()}"
            )
        if not pushed.total:
            return done, time.perf_counter() - start
        done += pushed.total


def stages(
    run: Run, offers: data.Offers, cases: int, targets: tuple[Any, Any], front: FrontDb, receiver: Receiver
) -> None:
    """(a), (b) and (c) on the sample: its accepted events synced, both targets pushed; then the evaluations
    that follow, synced and pushed; then the baseline."""
    from django.db import connection
    from django.utils import timezone

    from yimen.exchange.models import Delivery

    province, http = targets
    now = timezone.now()
    batch = data.add_cases(offers, cases, now - timedelta(seconds=cases * 2), 2, filed=600)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    spent: dict[str, float] = {"accepted": 0.0, "evaluated": 0.0, "province": 0.0, "http": 0.0}
    done: dict[str, int] = {"accepted": 0, "evaluated": 0, "province": 0, "http": 0}
    expected = {"accepted": batch.events}
    for phase in ("accepted", "evaluated"):
        if phase == "evaluated":
            expected["evaluated"] = data.evaluate(batch, timezone.now())
        done[phase], spent[phase] = deliver_all()
        for target in (province, http):
            rows, seconds = push_all(target)
            done[target.code] += rows
            spent[target.code] += seconds
    if (done["accepted"], done["evaluated"]) != (expected["accepted"], expected["evaluated"]):
        fail(f"delivered {done} events, expected {expected}")
    owed = {t.code: Delivery.objects.filter(target=t).count() for t in (province, http)}
    written, heard = front.counts(), receiver.tally()
    if done["province"] != owed["province"] or sum(written.values()) != owed["province"]:
        fail(
            f"前置库: {done['province']} pushed of {owed['province']} owed, {sum(written.values())} rows in its tables"
        )
    if done["http"] != owed["http"] or heard.applied != owed["http"] or heard.duplicates or heard.refused:
        fail(f"HTTP: {done['http']} pushed of {owed['http']} owed; the receiver: {heard}")
    events = done["accepted"] + done["evaluated"]
    run.rows_per_event = owed["province"] / events
    run.stages += [
        Stage("(a) sync: case.accepted", done["accepted"], spent["accepted"], "events/s"),
        Stage("(a) sync: evaluation.received", done["evaluated"], spent["evaluated"], "events/s"),
        Stage("(a) sync: all events", events, spent["accepted"] + spent["evaluated"], "events/s",
              f"{owed['province']:,} rows owed to each target ({run.rows_per_event:.2f} an event)"),
        Stage("(b) push to the 前置库 (FrontDb, MariaDB)", done["province"], spent["province"], "rows/s",
              ", ".join(f"{t} {n:,}" for t, n in sorted(written.items()))),
        Stage("(b) push over HTTP (HttpJson, receiver)", done["http"], spent["http"], "rows/s",
              f"{heard.requests:,} requests, {heard.applied:,} applied, 0 duplicates"),
    ]  # fmt: skip
    raw, raw_s = front.raw_insert(sorted(written))
    if raw != owed["province"]:
        fail(f"the baseline inserted {raw} rows, the push {owed['province']}")
    run.stages.append(Stage("(c) baseline: raw INSERT of the same rows (executemany, 500 a commit)", raw, raw_s, "rows/s"))  # fmt: skip
    a, b, h = (stage(run, p).rate for p in ("(a) sync: all", "(b) push to the 前置库", "(b) push over HTTP"))
    one = 1 / (1 / a + run.rows_per_event / b + run.rows_per_event / h)
    rows = DAY_EVENTS * run.rows_per_event
    run.notes.append(
        f"One process doing (a) then (b) for both targets: {one:.1f} events/s "
        f"(1 ÷ (1/{a:.1f} + {run.rows_per_event:.2f}/{b:.0f} + {run.rows_per_event:.2f}/{h:.0f})). A day at these rates, "
        f"one stage after the other: sync {DAY_EVENTS / a / 3600:.1f} h, the 前置库 {rows / b / 3600:.1f} h ({rows:,.0f} rows), "
        f"HTTP {rows / h / 3600:.1f} h."
    )


# --- (d) end to end, (e) peak hour ---------------------------------------------------------------


class Workers:
    def __init__(self, count: int) -> None:
        env = os.environ | {"PYTHONPATH": str(REPO_ROOT), "LOG_LEVEL": "ERROR"}
        argv = [sys.executable, "-m", "yimen.cli", "worker", "--interval", "0.2", "--batch", "50"]
        self.processes = [
            subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL) for _ in range(count)
        ]

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)


def backlog() -> tuple[int, int]:
    """(outbox messages not yet delivered, deliveries not yet pushed)."""
    from yimen.core.models import OutboxMessage
    from yimen.exchange.models import Delivery

    return (
        OutboxMessage.objects.filter(status__in=("pending", "claimed")).count(),
        Delivery.objects.filter(status__in=("pending", "sending")).count(),
    )


def wait_drained(limit: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if backlog() == (0, 0):
            return time.perf_counter() - start
        time.sleep(0.5)
    fail(f"not drained after {limit:.0f} s: {backlog()} (messages, deliveries) left")


def end_to_end(run: Run, offers: data.Offers, cases: int, workers: int) -> Workers:
    from django.utils import timezone

    now = timezone.now()
    batch = data.add_cases(offers, cases, now - timedelta(seconds=cases * 2), 2, filed=600)
    evaluated = 0
    start = time.perf_counter()
    running = Workers(workers)
    while backlog()[0]:
        time.sleep(0.2)
    evaluated = data.evaluate(batch, timezone.now())
    wait_drained(3600)
    seconds = time.perf_counter() - start
    run.end_to_end = Stage(
        f"(d) end to end: {workers} `yimen worker` processes, sync and both pushes", batch.events + evaluated,
        seconds, "events/s", "the evaluations filed once the accepted events were delivered",
    )  # fmt: skip
    return running


def peak(run: Run, offers: data.Offers, minutes: float) -> None:
    """Cases and events filed at the peak rate for `minutes`, stamped with the wall clock; then how soon
    each of their rows reached each target."""
    from django.db.models import F
    from django.utils import timezone

    from yimen.exchange.models import Delivery

    rate = PEAK_EVENTS_PER_SECOND / 1.2  # cases a second; a fifth as many evaluations follow
    began = timezone.now()
    start, filed, events = time.monotonic(), 0, 0
    waiting: deque[tuple[float, data.Batch]] = deque()  # batches to evaluate, ten seconds after acceptance
    while (elapsed := time.monotonic() - start) < minutes * 60:
        due = int(elapsed * rate) - filed
        if due > 0:
            now = timezone.now()
            batch = data.add_cases(offers, due, now - timedelta(seconds=due / rate), 1 / rate, filed=0)
            waiting.append((time.monotonic(), batch))
            filed += due
            events += batch.events
        while waiting and waiting[0][0] <= time.monotonic() - 10:
            events += data.evaluate(waiting.popleft()[1], timezone.now())
        time.sleep(0.2)
    drained = wait_drained(3600)
    owed = Delivery.objects.filter(changed_at__gte=began)
    late_s = [
        (d.cd_time - d.changed_at).total_seconds() if d.cd_time else float("inf")
        for d in owed.only("cd_time", "changed_at", "status")
    ]
    timely = sum(s <= LIMIT_MINUTES * 60 for s in late_s)
    run.peak = {
        "minutes": minutes, "events": events, "rate": events / (minutes * 60), "rows": len(late_s),
        "timely": timely, "share": timely / len(late_s) if late_s else 0.0, "drained": drained,
        "p50": percentile(late_s, 0.5), "p99": percentile(late_s, 0.99), "max": max(late_s, default=0.0),
        "late": owed.filter(cd_time__gt=F("due_by")).count(),
    }  # fmt: skip


# --- profile -------------------------------------------------------------------------------------


def profile(run: Run, offers: data.Offers, province: Any, http: Any) -> None:
    """cProfile of (a) and (b) on 300 more cases: yimen's functions and the database drivers' waits, by
    cumulative time, as shares of the profiled wall time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from yimen.core import events

    data.add_cases(offers, 1, timezone.now(), 1, filed=600)
    with CaptureQueriesContext(connection) as one:
        events.run_once(1)
    words = Counter(q["sql"].split()[0].upper() for q in one.captured_queries)
    run.notes.append(
        f"One `case.accepted` event of a 即办件 through `events.run_once(1)` sends {sum(words.values())} statements: "
        + ", ".join(f"{n} {word}" for word, n in words.most_common())
        + " — the claim and the sync are a transaction each, the acknowledgement an UPDATE in autocommit: "
        "three commits (three WAL flushes) an event; the sync inserts each new record on its own (five for a 即办件)."
    )
    batch = data.add_cases(offers, 300, timezone.now() - timedelta(seconds=600), 2, filed=600)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    deliver_all()
    data.evaluate(batch, timezone.now())
    deliver_all()
    push_all(province)
    push_all(http)
    profiler.disable()
    total = time.perf_counter() - start
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (path, line, name), (_cc, _nc, _tt, cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        short = path.split("/site-packages/")[-1].removeprefix(f"{REPO_ROOT}/")
        waits = short.startswith(("psycopg/connection.py", "psycopg/client_cursor.py")) and name in (
            "wait", "_execute_send", "commit",
        )  # fmt: skip
        if (short.startswith("yimen/") and "/migrations/" not in short) or waits:
            rows.append((cum, f"{short}:{line} {name}"))
    run.profile_seconds = total
    for cum, where in sorted(rows, reverse=True)[:25]:
        run.profile.append((where, f"{cum:.2f} s ({cum / total:.0%})"))


# --- the report ----------------------------------------------------------------------------------


def stage(run: Run, prefix: str) -> Stage:
    return next(s for s in run.stages if s.name.startswith(prefix))


def report(run: Run, args: argparse.Namespace, started: str, start_load: str) -> tuple[str, bool]:
    from django.db import connection

    e2e = run.end_to_end
    assert e2e is not None
    day_hours = DAY_EVENTS / e2e.rate / 3600 if e2e.rate else float("inf")
    drains = e2e.rate >= HOUR_TARGET
    timely = run.peak.get("share", 0.0) >= TIMELY_TARGET
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    lines = [
        SECTION,
        "",
        f"- Run: {started}; load average (1/5/15 min) {start_load} at start, {load()} at end",
        f"- Machine: {machine('Django', 'psycopg', 'PyMySQL', 'urllib3')}; PostgreSQL {server}; MariaDB on the same machine; "
        f"the HTTP receiver (tests/exchange/receiver.py), the workers and both databases share the cores",
        f"- Sample: {args.events:,} case events (a day of a province is {DAY_EVENTS:,}: 11 million cases a month × 1.2 ÷ 30), "
        f"then {args.events // 2:,} for (d) and the peak hour's for (e); generated by PostgreSQL (bench/exchange_data.py): "
        "95.1% 即办件 filed, accepted and concluded at once (受理 + 3 过程 + 结果 rows), 承诺件 in hand; one in five concluded "
        "cases evaluated later (a 好差评 row and the 结果 row updated). Both targets take every case row.",
        "",
        *table(
            "| stage | count | seconds | rate | note |",
            [
                [s.name, f"{s.count:,}", f"{s.seconds:.1f}", f"{s.rate:,.1f} {s.unit}", s.note]
                for s in [*run.stages, e2e]
            ],
        ),
        *[f"- {note}" for note in run.notes],
        f"- (b) against (c): the 前置库 push writes {stage(run, '(b) push to the 前置库').rate / stage(run, '(c)').rate:.1%} "
        "of the raw INSERT's rows/s.",
        "",
    ]
    p = run.peak
    lines += [
        f"Peak hour (e): {p['events']:,} events filed over {p['minutes']:g} minutes ({p['rate']:.1f} events/s; the peak hour is "
        f"{PEAK_EVENTS_PER_SECOND:.1f}), {p['rows']:,} rows owed; written or taken within {LIMIT_MINUTES} minutes: "
        f"{p['timely']:,} ({p['share']:.3%}); after the last event the backlog drained in {p['drained']:.1f} s; "
        f"from the change to the target: p50 {p['p50']:.1f} s, p99 {p['p99']:.1f} s, max {p['max']:.1f} s.",
        "",
        f"**The day ({DAY_EVENTS:,} events) at (d)'s rate: {day_hours:.1f} hours (target ≤ 1 hour, ≥ {math.ceil(HOUR_TARGET)} events/s): "
        f"{'PASS' if drains else 'FAIL'}** — extrapolated from {e2e.count:,} events: a real day's tables are ~{DAY_EVENTS // max(args.events, 1)}× "
        "larger than the sample's, which the rates above do not show.  ",
        f"**Peak hour within {LIMIT_MINUTES} minutes: {p['share']:.3%} (target ≥ {TIMELY_TARGET:.1%}): {'PASS' if timely else 'FAIL'}**"
        + (
            ""
            if p["minutes"] >= 60
            else f" — {p['minutes']:g} of the hour's 60 minutes replayed at its rate."
        ),
        "",
    ]
    if run.profile:
        lines += [
            f"Where the time goes: cProfile over (a) and (b) for 300 more cases ({run.profile_seconds:.1f} s profiled, "
            "cProfile's overhead included); cumulative times, nested, so the lines overlap; psycopg's `wait` is "
            "the time spent waiting for PostgreSQL (statements and commits), its `commit` the commits alone:",
            "",
            *table("| function | cumulative |", [list(r) for r in run.profile]),
        ]
    return "\n".join(lines) + "\n", drains and timely


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--peak-minutes", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--mariadb", default="mysql://root@127.0.0.1:3306")
    parser.add_argument("--keep", action="store_true", help="keep the databases it created")
    parser.add_argument("--profile", action="store_true", help="profile even when the targets are met")
    parser.add_argument("--no-results", action="store_true", help="print only, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    started, start_load = datetime.now().astimezone().isoformat(timespec="seconds"), load()
    run = Run()
    with bench_database("", args.server, "exchange", keep=args.keep) as url:
        from django.core.management import call_command
        from django.db import connection

        from yimen.core.models import OutboxMessage
        from yimen.demo import catalog as catalog_demo
        from yimen.demo import org as org_demo

        call_command("migrate", verbosity=0)
        org_demo.load()
        catalog_demo.load()
        OutboxMessage.objects.all().delete()  # the catalogue's events are not part of the day
        quiet_daily_jobs()
        front = FrontDb(args.mariadb, url.rsplit("/", 1)[1])
        receiver = Receiver(SECRET)
        autovacuum = Autovacuum()
        workers: Workers | None = None
        try:
            province, http = targets(front, receiver)
            offers = data.prepare(random.Random(400_000))
            print(f"generating and measuring {args.events:,} events …", flush=True)
            stages(run, offers, round(args.events / 1.2), (province, http), front, receiver)
            for stage in run.stages:
                print(
                    f"{stage.name}: {stage.count:,} in {stage.seconds:.1f} s = {stage.rate:,.1f} {stage.unit}",
                    flush=True,
                )
            workers = end_to_end(run, offers, round(args.events / 2 / 1.2), args.workers)
            assert run.end_to_end is not None
            print(f"{run.end_to_end.name}: {run.end_to_end.rate:.1f} events/s", flush=True)
            peak(run, offers, args.peak_minutes)
            print(f"peak: {run.peak}", flush=True)
            workers.stop()
            workers = None
            if run.end_to_end.rate < HOUR_TARGET or args.profile:
                profile(run, offers, province, http)
            run.notes.append(
                "Autovacuum is off on this machine's PostgreSQL (its CI settings): a thread of the bench did its "
                f"work with its default thresholds every {Autovacuum.NAPTIME:g} s ({autovacuum.runs} runs)."
            )
            run.notes.append(
                "Rows at the end: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts().items()))
            )
            text, met = report(run, args, started, start_load)
        finally:
            if workers is not None:
                workers.stop()
            autovacuum.close()
            receiver.stop()
            connection.close()
            if not args.keep:
                front.drop()
    print(text)
    if not args.no_results:
        write_results(SECTION, text)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
