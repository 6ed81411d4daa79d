"""Benchmark: cases (办件) on PostgreSQL — intake throughput, the supervision board, a year's
statistics at city and at province scale, and generating the demo city's year.

Run from the repository root:

    .venv/bin/python bench/cases.py [--database-url postgres://…] [--seconds S] [--clients N] [--no-province]

Without --database-url it creates its own database (yimen_bench_cases_<pid>), migrates it, loads the
demo organisations and catalogue (`loaddemo --scale small`), replaces the demo cases with the city year
(timed: that is measurement d), summarises it into the daily figures (`figures.refresh`, timed), runs
the measurements and drops the database. With --database-url it uses that database as it is when it
already holds cases (generation is then not measured; the figures are brought up to date).

(a) N client processes each loop submit → accept → conclude on one promised (not 即办) licence item
    through yimen.cases.services for S seconds; each step is one transition. Baseline, same run, same
    N processes: single-row INSERT + commit into a scratch table of similar width. Floor ≥ 10%.
(b) the supervision board: yimen.cases.queries.supervision.counts() over every organisation. Target ≤ 100 ms,
    at city scale and at province scale.
(c) a year's statistics: yimen.cases.queries.stats.case_stats() by organisation. Target ≤ 1 s, at city scale
    and at province scale (bench/cases_province.py: a synthetic month of 11 million cases, and a year
    of daily figures at that rate). The statistics from the figures must equal counting every case
    (checked for every breakdown; a difference exits 2 without writing RESULTS.md).
(d) generating the city year (yimen.demo.cases.load(scale="city")). Target ≤ 180 s.
Queries that miss their target get EXPLAIN (ANALYZE, BUFFERS) in RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import cases_intake
import cases_province
from cases_report import SECTION, Measured, Scale, Timing, report
from common import (  # also puts this checkout on sys.path, before yimen
    bench_database,
    fail,
    load,
    write_results,
)

PROVINCE_MONTH = 11_000_000


# --- (b), (c) queries ---------------------------------------------------------------------------


def timed(fn: Callable[[], object], repeat: int) -> Timing:
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


def stats_timings(
    start: date, end: date, repeat: int, *, breakdowns: bool, direct: bool
) -> dict[str, Timing]:
    """case_stats by organisation over [start, end] (the target); by the other breakdowns and counted
    from the cases (summaries=False) for the report."""
    from django.utils import timezone

    from yimen.cases.queries import stats

    now = timezone.now()
    by_org = stats.StatsFilter(start=start, end=end, by=stats.By.ORGANISATION)
    found = {"stats": timed(lambda: stats.case_stats(by_org, now=now), repeat)}
    if breakdowns:
        for by in (stats.By.MONTH, stats.By.ITEM, stats.By.WINDOW):
            f = stats.StatsFilter(start=start, end=end, by=by)
            found[f"stats by {by}"] = timed(lambda f=f: stats.case_stats(f, now=now), repeat)  # type: ignore[misc]
    if direct:
        found["stats counted from the cases"] = timed(
            lambda: stats.case_stats(by_org, now=now, summaries=False), min(repeat, 2)
        )
    return found


def board_timings(repeat: int) -> dict[str, Timing]:
    from django.utils import timezone

    from yimen.cases.queries import supervision

    now = timezone.now()
    return {
        "board": timed(lambda: supervision.counts(supervision.Scope(now=now)), repeat),
        "board cards, first 50": timed(
            lambda: list(supervision.cards(supervision.Scope(now=now))[:50]), repeat
        ),
    }


def mismatches(start: date, end: date) -> list[str]:
    """Every breakdown, from the figures and counted from the cases: the ones that differ."""
    from django.utils import timezone

    from yimen.cases.queries import stats

    now = timezone.now()
    differ = []
    for by in stats.By.values:
        f = stats.StatsFilter(start=start, end=end, by=by)
        summed, counted = (stats.case_stats(f, now=now, summaries=s) for s in (True, False))
        if [r.as_dict() for r in [*summed[0], summed[1]]] != [r.as_dict() for r in [*counted[0], counted[1]]]:
            differ.append(f"{by} {start}..{end}")
    return differ


# --- summaries and generation -------------------------------------------------------------------


def summarise(*, rebuild: bool) -> tuple[float, Any]:
    from yimen.cases import figures

    start = time.perf_counter()
    done = figures.refresh(rebuild=rebuild)
    return time.perf_counter() - start, done


def generate(scale: str) -> tuple[float, str]:
    from django.db import connection

    from yimen.demo import cases as demo

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE cases_workorder, cases_evaluation, cases_caseevent, cases_casecounter, cases_case,"
            " cases_dailyfigures, cases_figuresday CASCADE"
        )
    start = time.perf_counter()
    summary = demo.load(scale=scale)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_case")
        cursor.execute("VACUUM ANALYZE cases_evaluation")
    return elapsed, summary


def province(count: int, repeat: int) -> tuple[Scale, list[str]]:
    from django.utils import timezone

    from yimen.cases.models import DailyFigures

    written, seconds = cases_province.generate_month(count)
    print(f"province month: {written:,} cases in {seconds:.1f} s")
    p = Scale("province", written, generated=(seconds, f"{written:,} 件办件，近 30 日"))
    p.summarised = summarise(rebuild=True)
    p.cron = summarise(rebuild=False)
    today = timezone.localdate()
    month = today - timedelta(days=cases_province.DAYS - 1)
    differ = mismatches(month, today)
    p.timings |= {f"month {k}": v for k, v in stats_timings(month, today, repeat, breakdowns=False, direct=True).items()}  # fmt: skip
    month_rows = DailyFigures.objects.count()
    added = cases_province.year_of_figures()
    p.notes.append(
        f"daily figures: {month_rows:,} rows for the month; {added:,} copied into the year's eleven earlier "
        f"30-day blocks ({month_rows + added:,} rows a year at this rate)"
    )
    p.timings |= stats_timings(today - timedelta(days=364), today, repeat, breakdowns=True, direct=False)
    p.timings |= board_timings(repeat)
    return p, differ


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
    parser.add_argument("--province-cases", type=int, default=PROVINCE_MONTH)
    parser.add_argument("--no-province", action="store_true", help="skip the province month")
    parser.add_argument("--keep", action="store_true", help="keep the database it created")
    args = parser.parse_args(argv)
    started, start_load = datetime.now().astimezone().isoformat(timespec="seconds"), load()
    with bench_database(args.database_url, args.server, "cases", keep=args.keep) as url:
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from yimen.cases.models import Case
        from yimen.core import audit

        call_command("migrate", verbosity=0, interactive=False)
        city = Scale("city", 0)
        if not Case.objects.exists():
            call_command("loaddemo", scale="small")
            city.generated = generate(args.scale)
            print(f"generated in {city.generated[0]:.1f} s: {city.generated[1]}")
        city.summarised = summarise(rebuild=city.generated is not None)
        city.cron = summarise(rebuild=False)
        print(f"summarised in {city.summarised[0]:.1f} s: {city.summarised[1]}")
        city.cases = Case.objects.count()
        today = timezone.localdate()
        year = today - timedelta(days=364)
        differ = mismatches(year, today)
        city.timings = board_timings(args.repeat) | stats_timings(
            year, today, args.repeat, breakdowns=True, direct=True
        )
        for name, (runs_ms, _) in city.timings.items():
            print(f"city {name}: best {min(runs_ms):.1f} ms")
        waits: Counter[str] = Counter()
        per_cycle = cases_intake.cycle_queries()
        runs = cases_intake.intake(url, args.seconds, args.clients, args.rounds, waits)
        for run in runs:
            print(run)
        chained, breach = audit.verify()  # the clients wrote to the audit chain at once
        if breach:
            fail(f"审计链在并发受理后不完整：{breach}")
        measured = Measured(
            started, start_load, url, city, runs, args.seconds, args.clients, waits, per_cycle, chained
        )
        if not args.no_province:
            measured.province, differ_province = province(args.province_cases, args.repeat)
            differ += differ_province
        if differ:
            fail("办件统计（日汇总）与逐件计数不一致：" + "；".join(differ))
        text, ok = report(measured)
        connection.close()
        print(text)
        write_results(SECTION, text)
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
