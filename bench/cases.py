"""Benchmark: cases (办件) on PostgreSQL — intake throughput, the supervision board, a year's
statistics, and generating the demo city's year.

Run from the repository root:

    .venv/bin/python bench/cases.py [--database-url postgres://…] [--seconds S] [--clients N]

Without --database-url it creates its own database (yimen_bench_cases_<pid>), migrates it, loads the
demo organisations and catalogue (`loaddemo --scale small`), replaces the demo cases with the city year
(timed: that is measurement d), runs the measurements and drops the database. With --database-url it
uses that database as it is when it already holds cases (generation is then not measured).

(a) N client processes each loop submit → accept → conclude on one promised (not 即办) licence item
    through yimen.cases.services for S seconds; each step is one transition. Baseline, same run, same
    N processes: single-row INSERT + commit into a scratch table of similar width. Target ≥ 20%.
(b) the supervision board: yimen.cases.supervision.counts() over every organisation. Target ≤ 100 ms.
(c) a year's statistics: yimen.cases.stats.case_stats() by organisation. Target ≤ 1 s.
(d) generating the city year (yimen.cases.demo.load(scale="city")). Target ≤ 180 s.
Queries that miss their target get EXPLAIN (ANALYZE, BUFFERS) in RESULTS.md.
"""

from __future__ import annotations

import os
import sys

_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

SECTION = "## Cases (bench/cases.py) — PostgreSQL"
RESULTS_PATH = Path(_REPO_ROOT) / "bench" / "RESULTS.md"
RESULTS_HEADER = "# Benchmark results\n"
INTAKE_TARGET = 0.20
BOARD_TARGET_MS = 100.0
STATS_TARGET_MS = 1000.0
GENERATION_TARGET_S = 180.0
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


def loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def psql(url: str, sql: str) -> None:
    parts = urlsplit(url)
    env = os.environ | ({"PGPASSWORD": parts.password} if parts.password else {})
    argv = ["psql", "-q", "-d", "postgres", "-U", parts.username or "postgres"]
    argv += ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-c", sql]
    subprocess.run(argv, env=env, check=True)


# --- (a) intake, in worker processes -----------------------------------------------------------


def _baseline_worker(args: tuple[str, float, int]) -> tuple[int, float]:
    import psycopg

    url, seconds, index = args
    done = 0
    with psycopg.connect(url, autocommit=True) as conn:
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            conn.execute(INSERT, (f"B{index}-{done}",))  # autocommit: every INSERT is its own commit
            done += 1
        return done, time.perf_counter() - start


def _intake_worker(args: tuple[int, int, int, float, int]) -> tuple[int, float]:
    from django.db import connections

    from yimen.cases import demo, services
    from yimen.catalog.models import ServiceItem
    from yimen.org.models import Staff

    item_id, clerk_id, reviewer_id, seconds, index = args
    connections.close_all()  # never share the parent's connection
    item = ServiceItem.objects.get(pk=item_id)
    clerk, reviewer = Staff.objects.get(pk=clerk_id), Staff.objects.get(pk=reviewer_id)
    rng = random.Random(index)

    def one(label: str) -> None:
        name, id_number = demo._person(rng)
        applicant = services.Applicant(kind="person", name=name, phone="13812345678", id_number=id_number)
        case = services.submit(item=item, applicant=applicant, channel="online")
        case = services.accept(case=case, by=clerk)
        services.conclude(case=case, by=reviewer, result="issued", certificate_no=label)

    one(f"WARM{index}-{os.getpid()}")  # imports and caches before the clock starts
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        one(f"BENCH{index}-{os.getpid()}-{done}")
        done += 3
    elapsed = time.perf_counter() - start
    connections.close_all()
    return done, elapsed


def _intake_cast() -> tuple[int, int, int]:
    """A promised licence item whose organisation has a clerk (受理) and a reviewer (办结)."""
    from yimen.catalog.models import ServiceItem
    from yimen.org.models import Role, StaffRole

    holders: dict[tuple[int, str], int] = {}
    for staff_id, role, org_id in StaffRole.objects.filter(
        role__in=[Role.CLERK, Role.REVIEWER], staff__is_active=True
    ).values_list("staff_id", "role", "organisation_id"):
        holders.setdefault((org_id, role), staff_id)
    items = ServiceItem.objects.filter(
        current__isnull=False, retired_at__isnull=True, current__promised_limit__gt=0
    ).order_by("pk")
    for item in items:
        org = item.organisation_id
        if (org, Role.CLERK) in holders and (org, Role.REVIEWER) in holders:
            return item.pk, holders[(org, Role.CLERK)], holders[(org, Role.REVIEWER)]
    raise SystemExit("没有同时有窗口人员和审批人员的承诺件事项")


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
    """Statements in one submit → accept → conclude, run here once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item_id, clerk_id, reviewer_id = _intake_cast()
    with CaptureQueriesContext(connection) as captured:
        _intake_worker((item_id, clerk_id, reviewer_id, 0.0, 99))
    return len(captured.captured_queries)


def intake(
    url: str, seconds: float, clients: int, rounds: int, waits: Counter[str]
) -> list[tuple[str, int, float]]:
    """Interleaved rounds of baseline and intake; each row: (what, operations, seconds)."""
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute(SCRATCH)
    item_id, clerk_id, reviewer_id = _intake_cast()
    connections.close_all()
    runs: list[tuple[str, int, float]] = []
    pool = multiprocessing.get_context("fork").Pool(clients)
    try:
        for _ in range(rounds):
            base = pool.map(_baseline_worker, [(url, seconds, i) for i in range(clients)])
            runs.append(("baseline INSERT + commit", sum(n for n, _ in base), max(s for _, s in base)))
            pending = pool.map_async(
                _intake_worker, [(item_id, clerk_id, reviewer_id, seconds, i) for i in range(clients)]
            )
            while not pending.ready():  # what the clients' server processes are doing, 5 times a second
                pending.wait(0.2)
                waits.update(_activity())
            work = pending.get()
            runs.append(("intake transitions", sum(n for n, _ in work), max(s for _, s in work)))
    finally:
        pool.close()
        pool.join()
    return runs


# --- (b), (c) queries ---------------------------------------------------------------------------


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], list[tuple[float, str]]]:
    """ms per run (after one warm-up), and the SQL of the last run with each statement's ms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as captured:
        fn()
    return runs, [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def queries(repeat: int) -> dict[str, tuple[list[float], list[tuple[float, str]]]]:
    from django.utils import timezone

    from yimen.cases import stats, supervision

    now = timezone.now()
    today = timezone.localdate(now)
    year = stats.StatsFilter(start=today - timedelta(days=364), end=today, by=stats.By.ORGANISATION)
    return {
        "board": timed(lambda: supervision.counts(supervision.Scope(now=now)), repeat),
        "board cards, first 50": timed(
            lambda: list(supervision.cards(supervision.Scope(now=now))[:50]), repeat
        ),
        "stats": timed(lambda: stats.case_stats(year, now=now), repeat),
    }


# --- (d) generation -----------------------------------------------------------------------------


def generate(scale: str) -> tuple[float, str]:
    from django.db import connection

    from yimen.cases import demo

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE cases_workorder, cases_evaluation, cases_caseevent, cases_casecounter, cases_case CASCADE"
        )
    start = time.perf_counter()
    summary = demo.load(scale=scale)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_case")
        cursor.execute("VACUUM ANALYZE cases_evaluation")
    return elapsed, summary


# --- report -------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(
    started: str, start_load: str, url: str, cases: int, generated: tuple[float, str] | None,
    runs: list[tuple[str, int, float]], timings: dict[str, tuple[list[float], list[tuple[float, str]]]],
    seconds: float, clients: int, waits: Counter[str], per_cycle: int,
) -> tuple[str, bool]:  # fmt: skip
    from django.db import connection

    connection.ensure_connection()
    server = connection.connection.info.server_version
    lines = [
        SECTION,
        "",
        f"- Run: {started}; load average (1/5/15 min) {start_load} at start, {loadavg()} at end",
        f"- Machine: {len(os.sched_getaffinity(0))} CPUs; CPython {platform.python_version()}; Django "
        f"{metadata.version('django')}; psycopg {metadata.version('psycopg')}; PostgreSQL {server // 10000}."
        f"{server % 10000} (stock settings), on the same cores as the clients",
        f"- Database: {urlsplit(url).path.lstrip('/')}; {cases:,} cases (demo city year over the small demo "
        "catalogue and organisations)",
        "",
    ]
    ok = True
    rate = {name: max(n / s for m, n, s in runs if m == name) for name, _, _ in runs}
    base, work = rate["baseline INSERT + commit"], rate["intake transitions"]
    lines += [f"(a) Intake, {clients} client processes, {seconds:g} s per run, rounds interleaved:", ""]
    lines += ["| run | operations | seconds | per second |", "|---|---:|---:|---:|"]
    lines += [f"| {m} | {n:,} | {s:.1f} | {n / s:,.0f} |" for m, n, s in runs]
    ratio = work / base
    ok &= ratio >= INTAKE_TARGET
    lines += ["", f"**(a) intake {work:,.0f} transitions/s = {ratio:.0%} of {base:,.0f} single-row "
              f"INSERT + commit/s (best rounds; target ≥ {INTAKE_TARGET:.0%}): {verdict(ratio >= INTAKE_TARGET)}**", ""]  # fmt: skip
    if ratio < INTAKE_TARGET:
        total = sum(waits.values()) or 1
        lines += [f"Where the intake time goes: one submit → accept → conclude runs {per_cycle} SQL statements "
                  f"(with the 3 that load the item and staff; ~{per_cycle / 3:.0f} a transition). The clients' server processes, sampled every 0.2 s "
                  "during the intake runs (pg_stat_activity; \"running\" = on CPU or between statements):",
                  "", "| share | wait — statement |", "|---:|---|"]  # fmt: skip
        lines += [f"| {n / total:.0%} | {what} |" for what, n in waits.most_common(8)]
        lines.append("")
    for name, target, label in (("board", BOARD_TARGET_MS, "(b) supervision board (counts)"),
                                ("stats", STATS_TARGET_MS, "(c) a year's statistics (case_stats by organisation)")):  # fmt: skip
        runs_ms, sql = timings[name]
        best = min(runs_ms)
        ok &= best <= target
        lines.append(
            f"**{label}: best {best:,.0f} ms, median {statistics.median(runs_ms):,.0f} ms over {len(runs_ms)} "
            f"runs, {len(sql)} queries (target ≤ {target:,.0f} ms): {verdict(best <= target)}**"
        )
    cards_ms = timings["board cards, first 50"][0]
    lines += ["", f"- board cards, first 50 (report only): best {min(cards_ms):,.0f} ms", ""]
    if generated:
        elapsed, summary = generated
        ok &= elapsed <= GENERATION_TARGET_S
        lines.append(f"**(d) city year generated in {elapsed:.1f} s ({summary}; target ≤ "
                     f"{GENERATION_TARGET_S:.0f} s): {verdict(elapsed <= GENERATION_TARGET_S)}**")  # fmt: skip
    else:
        lines.append("(d) generation: not measured in this run (the database given already held cases)")
    lines += ["", "(c) at province scale (10 M cases): not measured by this script (see bench/README.md)."]
    for name, target, _ in (("board", BOARD_TARGET_MS, ""), ("stats", STATS_TARGET_MS, "")):
        runs_ms, sql = timings[name]
        if min(runs_ms) <= target:
            continue
        lines += [
            "",
            f"Where the {name} time goes (its statements, slowest first, with EXPLAIN ANALYZE):",
            "",
        ]
        for ms, text in sorted(sql, reverse=True)[:2]:
            lines += [f"{ms:,.0f} ms:", "", "```sql", text, "```", "", "```", explain(text), "```", ""]
    return "\n".join(lines), ok


def write_results(text: str) -> None:
    old = RESULTS_PATH.read_text() if RESULTS_PATH.exists() else RESULTS_HEADER
    pattern = re.compile(rf"^{re.escape(SECTION)}[ \t]*\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(old):
        new = pattern.sub(lambda _: text + "\n", old, count=1)
    else:
        new = old.rstrip("\n") + "\n\n" + text
    RESULTS_PATH.write_text(new.rstrip("\n") + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--scale", default="city", choices=["small", "city", "province"])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database it created")
    args = parser.parse_args(argv)
    started, start_load = datetime.now().astimezone().isoformat(timespec="seconds"), loadavg()
    own = not args.database_url
    url = args.database_url
    if own:
        parts = urlsplit(args.server)
        url = urlunsplit(parts._replace(path=f"/yimen_bench_cases_{os.getpid()}"))
        psql(url, f"CREATE DATABASE yimen_bench_cases_{os.getpid()}")
    var_dir = tempfile.mkdtemp(prefix="yimen-bench-cases-")
    os.environ |= {"DATABASE_URL": url, "YIMEN_VAR": var_dir, "DJANGO_SETTINGS_MODULE": "yimen.settings"}
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        import django
        from django.core.management import call_command

        django.setup()
        from django.db import connection

        from yimen.cases.models import Case

        call_command("migrate", verbosity=0, interactive=False)
        generated = None
        if not Case.objects.exists():
            call_command("loaddemo", scale="small")
            generated = generate(args.scale)
            print(f"generated in {generated[0]:.1f} s: {generated[1]}")
        cases = Case.objects.count()
        timings = queries(args.repeat)
        for name, (runs_ms, _) in timings.items():
            print(f"{name}: best {min(runs_ms):.1f} ms")
        waits: Counter[str] = Counter()
        per_cycle = cycle_queries()
        runs = intake(url, args.seconds, args.clients, args.rounds, waits)
        for run in runs:
            print(run)
        text, ok = report(
            started,
            start_load,
            url,
            cases,
            generated,
            runs,
            timings,
            args.seconds,
            args.clients,
            waits,
            per_cycle,
        )
        connection.close()
        print(text)
        write_results(text)
        return 0 if ok else 1
    finally:
        if own and not args.keep:
            from django.db import connections

            connections.close_all()
            psql(url, f"DROP DATABASE IF EXISTS yimen_bench_cases_{os.getpid()}")


if __name__ == "__main__":
    sys.exit(main())
