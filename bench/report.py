"""Benchmark: the annual report (政府信息公开工作年度报告) of a city-scale year on PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/report.py [--database-url postgres://…] [--repeat N]

Without --database-url it creates its own database (yimen_bench_report_<pid>), migrates it, loads the demo
city (`loaddemo --scale small`: organisations, catalogue, five years of publications and requests, the
demo's reports), replaces the cases with the city year by the cases benchmark's own generator
(bench/cases.py `generate`: 1,291,351 cases ending today), summarises them into the daily figures as the
cron does, and drops the database at the end. With --database-url it uses that database as it is.

Measured, best of N after one warm-up: `build_annual_report` for this year (most of the city year falls in
it) of the government (its report covers every unit: table 二's 行政许可 decisions over all their cases)
and of the centre; and the report rendered as JSON, DOCX and PDF. Target: the government's report built in
≤ 2 s. Queries of a build that miss the target get EXPLAIN (ANALYZE, BUFFERS) in RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from cases import generate
from common import bench_database, load, machine, table, write_results

SECTION = "## Annual report (bench/report.py) — PostgreSQL"
TARGET_S = 2.0


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per run, after one warm-up run."""
    fn()
    runs = []
    for _ in range(repeat):
        begin = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - begin)
    return runs


def queries_of(fn: Callable[[], object]) -> list[tuple[float, str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return [(float(q["time"]), q["sql"]) for q in captured.captured_queries]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database it created")
    args = parser.parse_args(argv)
    started, load_at_start = datetime.now().astimezone().isoformat(timespec="seconds"), load()
    with bench_database(args.database_url, args.server, "report", keep=args.keep):
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from yimen.cases import figures
        from yimen.cases.models import Case
        from yimen.org.models import Organisation
        from yimen.reports import documents
        from yimen.reports.builder import build_annual_report

        call_command("migrate", verbosity=0, interactive=False)
        notes = []
        if not Organisation.objects.exists():
            begin = time.perf_counter()
            call_command("loaddemo", scale="small", stdout=open(os.devnull, "w"))  # noqa: SIM115
            notes.append(f"demo city loaded in {time.perf_counter() - begin:.0f} s")
            seconds, summary = generate("city")
            notes.append(f"city year generated in {seconds:.0f} s: {summary}")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have done after the bulk loads
        begin = time.perf_counter()
        figures.refresh(rebuild=True)
        notes.append(f"daily figures (办件统计) rebuilt in {time.perf_counter() - begin:.0f} s")
        year = timezone.localdate().year
        government = Organisation.objects.get(code="XN-GOV")
        centre = Organisation.objects.get(code="XN-ZWFW")
        in_year = Case.objects.filter(accepted_at__year=year).count()
        total = Case.objects.count()
        print(f"{total:,} cases, {in_year:,} accepted in {year}")

        doc = build_annual_report(government, year)
        licensing = doc.table("proactive").blocks[1].rows[0].values[0]
        rows: list[list[str]] = []
        verdict_runs: list[float] = []
        measurements: list[tuple[str, Callable[[], object]]] = [
            (f"build: {government.name} {year}", lambda: build_annual_report(government, year)),
            (f"build: {centre.name} {year}", lambda: build_annual_report(centre, year)),
            ("render JSON (government)", lambda: documents.render(doc, "json")),
            ("render DOCX (government)", lambda: documents.render(doc, "docx")),
            ("render PDF (government)", lambda: documents.render(doc, "pdf")),
        ]
        for label, fn in measurements:
            runs = timed(fn, args.repeat if "PDF" not in label else max(2, args.repeat // 2))
            if not verdict_runs:
                verdict_runs = runs
            rows.append([label, f"{min(runs) * 1000:,.0f}", ", ".join(f"{r * 1000:.0f}" for r in runs)])
            print(f"{label}: best {min(runs) * 1000:.0f} ms")
        captured = queries_of(lambda: build_annual_report(government, year))
        best = min(verdict_runs)
        ok = best <= TARGET_S
        lines = [
            SECTION,
            "",
            f"- Run: {started}; load average (1/5/15 min) {load_at_start} at start, {load()} at end",
            f"- Machine: {machine('Django', 'psycopg', 'weasyprint', 'python-docx')}; "
            f"PostgreSQL {connection.cursor().connection.info.server_version}",
            f"- Data: {total:,} cases ({in_year:,} accepted in {year}); " + "; ".join(notes),
            f"- The government's {year} report counts {licensing:,} 行政许可 decisions and runs "
            f"{len(captured)} queries ({sum(t for t, _ in captured) * 1000:.0f} ms in the database).",
            f"- Timing: best of {args.repeat} after one warm-up (PDF: best of {max(2, args.repeat // 2)}).",
            "- The database is ANALYZEd after the bulk loads, as autovacuum would do: without statistics for the "
            "catalogue's versions the planner takes a nested loop over every 行政许可 version for table 二's count "
            "(2.8 s in a run on this machine) instead of one hash join over the year's cases.",
            "",
            *table("| measurement | best ms | all runs ms |", rows),
            f"**Government's report built in {best:.2f} s (target ≤ {TARGET_S:.0f} s): {'PASS' if ok else 'FAIL'}**",
            "",
        ]
        if not ok:
            slow = sorted(captured, reverse=True)[:3]
            for seconds, sql in slow:
                lines += [f"Query of {seconds * 1000:.0f} ms:", "", "```", explain(sql), "```", ""]
        text = "\n".join(lines)
        print(text)
        connection.close()
        write_results(SECTION, text)
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
