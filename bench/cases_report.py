"""The report of bench/cases.py: its section of RESULTS.md, with a verdict for each target."""

from __future__ import annotations

import os
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from common import load, machine

SECTION = "## Cases (bench/cases.py) — PostgreSQL"
INTAKE_TARGET = 0.10  # the floor: intake through the services keeps ≥ 10% of the raw rate
BOARD_TARGET_MS = 100.0
STATS_TARGET_MS = 1000.0
GENERATION_TARGET_S = 180.0
Timing = tuple[list[float], list[tuple[float, str]]]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@dataclass
class Scale:
    """One scale's data and measurements."""

    label: str
    cases: int
    generated: tuple[float, str] | None = None
    summarised: tuple[float, Any] | None = None  # the whole range
    cron: tuple[float, Any] | None = None  # a refresh right after: the day so far
    timings: dict[str, Timing] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # The measurements with a target; the rest are reported without a verdict.
    targets: dict[str, float] = field(
        default_factory=lambda: {"board": BOARD_TARGET_MS, "stats": STATS_TARGET_MS}
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _best(timing: Timing) -> float:
    return min(timing[0])


def _timing_line(label: str, timing: Timing, target: float | None) -> tuple[str, bool]:
    runs_ms, sql = timing
    best = min(runs_ms)
    line = f"{label}: best {best:,.0f} ms, median {statistics.median(runs_ms):,.0f} ms over {len(runs_ms)} runs, {len(sql)} queries"  # fmt: skip
    if target is None:
        return f"- {line} (report only)", True
    ok = best <= target
    return f"**{line} (target ≤ {target:,.0f} ms): {verdict(ok)}**", ok


def _scale_lines(s: Scale) -> tuple[list[str], bool]:
    ok = True
    lines: list[str] = []
    if s.summarised:
        elapsed, done = s.summarised
        lines.append(f"- Daily figures (`figures.refresh(rebuild=True)`, every day summarised again): days {done.days:,}, rows {done.rows:,}, in {elapsed:.1f} s")  # fmt: skip
    if s.cron:
        elapsed, done = s.cron
        lines.append(f"- `figures.refresh()` right after, as `yimen casefigures` runs every few minutes (the days not complete: the day so far): days {done.days:,}, rows {done.rows:,}, in {elapsed:.1f} s")  # fmt: skip
    lines += [f"- {note}" for note in s.notes]
    lines.append("")
    for name, timing in s.timings.items():
        target = s.targets.get(name)
        label = {
            "board": f"(b) supervision board (counts), {s.label}",
            "stats": f"(c) a year's statistics (case_stats by organisation), {s.label}",
        }.get(name if target else "", f"{s.label}: {name}")
        line, passed = _timing_line(label, timing, target)
        ok &= passed
        lines.append(line)
    return lines, ok


def _explained(s: Scale) -> list[str]:
    lines: list[str] = []
    for name, target in s.targets.items():
        if name not in s.timings or _best(s.timings[name]) <= target:
            continue
        lines += ["", f"Where the {s.label} {name} time goes (its statements, slowest first, with EXPLAIN ANALYZE):", ""]  # fmt: skip
        selects = [
            (ms, text) for ms, text in s.timings[name][1] if text.lstrip().upper().startswith("SELECT")
        ]
        for ms, text in sorted(selects, reverse=True)[:2]:
            lines += [f"{ms:,.0f} ms:", "", "```sql", text, "```", "", "```", explain(text), "```", ""]
    return lines


@dataclass
class Measured:
    started: str
    start_load: str
    url: str
    city: Scale
    runs: list[tuple[str, int, float, float, float]]
    seconds: float
    clients: int
    waits: Counter[str]
    per_cycle: int
    chained: int  # audit entries verified after the intake runs
    province: Scale | None = None


def report(m: Measured) -> tuple[str, bool]:
    from django.db import connection

    connection.ensure_connection()
    server = connection.connection.info.server_version
    lines = [
        SECTION,
        "",
        f"- Run: {m.started}; load average (1/5/15 min) {m.start_load} at start, {load()} at end",
        "- Machine: "
        + machine(
            "django",
            "psycopg",
            extra=[
                f"PostgreSQL {server // 10000}.{server % 10000} (stock settings), on the same cores as the clients"
            ],
        ),
        f"- Database: {urlsplit(m.url).path.lstrip('/')}; city: {m.city.cases:,} cases (demo city year over the "
        "small demo catalogue and organisations)",
        "",
    ]
    rate = {name: max(n / s for what, n, s, _, _ in m.runs if what == name) for name, *_ in m.runs}
    base, work = rate["baseline INSERT + commit"], rate["intake transitions"]
    ratio = work / base
    ok = ratio >= INTAKE_TARGET
    lines += [f"(a) Intake, {m.clients} client processes, each filing to its own item, {m.seconds:g} s per run, "
              "rounds interleaved:", ""]  # fmt: skip
    lines += ["| run | operations | seconds | per second | client CPU ms/op | server CPU ms/op |",
              "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    lines += [f"| {what} | {n:,} | {s:.1f} | {n / s:,.0f} | {client:.3f} | {server:.3f} |"
              for what, n, s, client, server in m.runs]  # fmt: skip
    lines += ["", f"**(a) intake {work:,.0f} transitions/s = {ratio:.0%} of {base:,.0f} single-row "
              f"INSERT + commit/s (best rounds; target ≥ {INTAKE_TARGET:.0%}): {verdict(ok)}**", ""]  # fmt: skip
    total = sum(m.waits.values()) or 1
    lines += [f"One submit → accept → conclude takes {m.per_cycle} round trips to the database as the clients run "
              f"it (BEGIN and COMMIT included; ~{m.per_cycle / 3:.1f} a transition: a step reads nothing before it writes, "
              "and its writes travel together as one string of statements). CPU per operation: the "
              "client processes' own (Python, psycopg) and their server processes' (/proc), summed over the clients; "
              f"with {os.cpu_count()} cores shared by both, an operation costing c ms of CPU allows at most "
              f"{os.cpu_count()} × 1000 / c a second. "
              "The clients' server processes, sampled every "
              "0.2 s during the intake runs (pg_stat_activity; \"Client: ClientRead\" = waiting for the client's "
              "next statement):", "", "| share | wait — statement |", "|---:|---|"]  # fmt: skip
    lines += [f"| {n / total:.0%} | {what} |" for what, n in m.waits.most_common(8)]
    lines += ["", f"After the intake runs `audit.verify()` walks the whole chain: {m.chained:,} entries, no gap, no breach."]  # fmt: skip
    lines += ["", "City:", ""]
    if m.city.generated:
        elapsed, summary = m.city.generated
        passed = elapsed <= GENERATION_TARGET_S
        ok &= passed
        lines.append(f"**(d) city year generated in {elapsed:.1f} s ({summary}; target ≤ "
                     f"{GENERATION_TARGET_S:.0f} s): {verdict(passed)}**")  # fmt: skip
    else:
        lines.append("(d) generation: not measured in this run (the database given already held cases)")
    city_lines, passed = _scale_lines(m.city)
    ok &= passed
    lines += city_lines
    if m.province:
        p = m.province
        assert p.generated is not None
        lines += ["", f"Province (bench/cases_province.py): a synthetic month of {p.cases:,} cases over the 30 days "
                  f"ending today, written in {p.generated[0]:.0f} s; the year's statistics read a year of daily "
                  "figures at that rate (the month's, and copies of them in the eleven 30-day blocks before it) and "
                  "count the day so far from the cases:", ""]  # fmt: skip
        province_lines, passed = _scale_lines(p)
        ok &= passed
        lines += province_lines
    else:
        lines += ["", "(c) at province scale: not measured in this run (--no-province)."]
    for s in (m.city, m.province):
        if s:
            lines += _explained(s)
    return "\n".join(lines), ok
