"""Benchmark: how much of a case step is the database's — the intake of bench/cases.py (a) beside the
same statements replayed without the application.

Run from the repository root:

    .venv/bin/python bench/cases_floor.py [--database-url postgres://…] [--seconds S] [--rounds R]

Without --database-url it creates its own database, migrates it and loads the small demo (catalogue,
organisations, staff). It records the statements one submit → accept → conclude sends through the
services (after a warm-up cycle), then runs, rounds interleaved, in 4 client processes:

- baseline: single-row INSERT + commit (bench/cases_intake.py's), the yardstick of target (a);
- intake: submit → accept → conclude through yimen.cases.services (what (a) measures);
- replay: those same statements, round trip for round trip and commit for commit, through a bare
  psycopg connection (the same client-side parameter binding Django uses), each cycle with a new case id, number and keys. No Django,
  no Python of the application: what the database work alone allows on this machine.

It reports each rate, its share of the baseline, and the CPU per operation of the client processes and
of their server processes. No target of its own: it tells how far the database's own share of a step
leaves room for target (a) on this machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import cases_intake
from common import bench_database, load, machine, write_results

SECTION = "## Cases: the database's share of a step (bench/cases_floor.py) — PostgreSQL"
Statement = tuple[str, list[Any]]  # one round trip: a statement, or a string of several
Transaction = list[Statement]


def record_cycle() -> tuple[list[Transaction], int, str]:
    """What one submit → accept → conclude sends through the services, transaction by transaction and
    round trip by round trip, the case's id and number (to be replaced in each replay)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item, clerk, reviewer = cases_intake._cast_objects(*cases_intake._intake_casts(1)[0])
    rng = random.Random(5)
    cases_intake._cycle(item, clerk, reviewer, rng, "FLOOR-WARM")
    sent: list[Statement] = []

    def recording(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        sent.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    label = f"FLOOR-{os.getpid()}-{time.time()}"
    with CaptureQueriesContext(connection) as logged, connection.execute_wrapper(recording):
        cases_intake._cycle(item, clerk, reviewer, rng, label)
    # Django's log has the transactions' BEGIN and COMMIT, which psycopg sends without a cursor.
    transactions: list[Transaction] = []
    statements = iter(sent)
    for query in logged.captured_queries:
        if query["sql"] == "BEGIN":
            transactions.append([])
        elif query["sql"] not in ("COMMIT", "ROLLBACK"):
            sql, params = next(statements)
            if not sql.lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE")):
                transactions[-1].append((sql, params))
    from yimen.cases.models import Case

    case = Case.objects.get(certificate_no=label)
    return transactions, case.pk, case.number


def _replay_worker(args: tuple[str, list[Transaction], int, str, float, int]) -> cases_intake.Worked:
    import psycopg

    url, sent, old_id, old_number, seconds, index = args
    marks = (f":{old_id}:", str(old_id))

    def fresh(params: list[Any], new_id: int, tag: str) -> list[Any]:
        out = []
        for p in params:
            if p == old_id:
                p = new_id
            elif p == old_number:
                p = f"F{tag}"
            elif p == marks[1]:
                p = str(new_id)
            elif isinstance(p, str) and marks[0] in p:
                p = p.replace(marks[0], f":{new_id}:")
            out.append(p)
        return out

    with psycopg.connect(url) as conn:  # not autocommit: psycopg sends BEGIN, as under Django
        cursor = psycopg.ClientCursor(conn)
        backend = conn.info.backend_pid

        run_id = time.time_ns()

        def cycle(n: int) -> None:
            tag = f"{run_id}-{index}-{n}"
            new_id = -1
            for transaction in sent:
                for sql, params in transaction:
                    if new_id == -1:  # the number's counter and the new id: one counter row per client
                        cursor.execute(sql, [f"{params[0]}:{os.getpid()}-{index}", *params[1:]])
                        new_id = cursor.fetchone()[1]  # type: ignore[index]
                    else:
                        cursor.execute(sql, fresh(params, new_id, tag))
                conn.commit()

        cycle(0)
        cycles = 0
        server, client, start = cases_intake._server_cpu(backend), time.process_time(), time.perf_counter()
        while time.perf_counter() - start < seconds:
            cycles += 1
            cycle(cycles)
        elapsed = time.perf_counter() - start
        return cycles * 3, elapsed, time.process_time() - client, cases_intake._server_cpu(backend) - server


def run(url: str, seconds: float, rounds: int) -> tuple[list[cases_intake.Run], list[Transaction]]:
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute(cases_intake.SCRATCH)
    sent, old_id, old_number = record_cycle()
    casts = cases_intake._intake_casts(4)
    connections.close_all()
    runs: list[cases_intake.Run] = []
    pool = multiprocessing.get_context("fork").Pool(4)
    try:
        for _ in range(rounds):
            base = pool.map(cases_intake._baseline_worker, [(url, seconds, i) for i in range(4)])
            runs.append(cases_intake._run("baseline INSERT + commit", base))
            work = pool.map(cases_intake._intake_worker, [(*casts[i], seconds, i) for i in range(4)])
            runs.append(cases_intake._run("intake through the services", work))
            bare = pool.map(_replay_worker, [(url, sent, old_id, old_number, seconds, i) for i in range(4)])
            runs.append(cases_intake._run("the same statements, bare psycopg", bare))
    finally:
        pool.close()
        pool.join()
    return runs, sent


def report(started: str, start_load: str, runs: list[cases_intake.Run], sent: list[Transaction]) -> str:
    from django.db import connection

    connection.ensure_connection()
    server = connection.connection.info.server_version
    statements = sum(sql.count(";\n") + 1 for transaction in sent for sql, _ in transaction)
    best: Counter[str] = Counter()
    for what, n, s, _, _ in runs:
        best[what] = max(best[what], round(n / s))
    base = best["baseline INSERT + commit"]
    lines = [
        SECTION,
        "",
        f"- Run: {started}; load average (1/5/15 min) {start_load} at start, {load()} at end",
        "- Machine: "
        + machine(
            "django", "psycopg", extra=[f"PostgreSQL {server // 10000}.{server % 10000} (stock settings)"]
        ),
        f"- One submit → accept → conclude sends {statements} "
        f"statements in {sum(len(t) for t in sent)} round trips, each step between its BEGIN and its COMMIT",
        "",
        "| run (4 client processes) | operations | seconds | per second | client CPU ms/op | server CPU ms/op |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {what} | {n:,} | {s:.1f} | {n / s:,.0f} | {c:.3f} | {v:.3f} |" for what, n, s, c, v in runs]
    lines += [""]
    for what in ("intake through the services", "the same statements, bare psycopg"):
        lines.append(
            f"- {what}: best {best[what]:,}/s = {best[what] / base:.0%} of the best baseline {base:,}/s"
        )
    lines += [
        "",
        "Operations: an INSERT + commit for the baseline, a transition (submit, accept or conclude) otherwise. "
        "The replay is the database's own share of a step: the rate floor (a) of bench/cases.py (≥ 10% of "
        "the baseline) asks of the whole application, Python included.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    started, start_load = datetime.now().astimezone().isoformat(timespec="seconds"), load()
    with bench_database(args.database_url, args.server, "floor") as url:
        from django.core.management import call_command

        from yimen.cases.models import Case

        call_command("migrate", verbosity=0, interactive=False)
        if not Case.objects.exists():
            call_command("loaddemo", scale="small")
        runs, sent = run(url, args.seconds, args.rounds)
        text = report(started, start_load, runs, sent)
        print(text)
        write_results(SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
