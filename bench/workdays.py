"""Benchmark: the working-day calendar (yimen.core.calendar) against a day-by-day chinesecalendar loop.

Run from the repository root:

    .venv/bin/python bench/workdays.py [--calls N] [--baseline-sample M]

It migrates a throwaway SQLite database in a temporary YIMEN_VAR (the post_migrate hook seeds the
calendar from the chinesecalendar package, 2004–2026), then times, in the same process:

* N calls of `add_workdays(start, n)` on a fixed pseudo-random workload (index warmed first);
* the baseline, a day-by-day loop over `chinese_calendar.is_workday`, on the first M calls of the
  same workload only (a full run would take hours), extrapolated to N calls; every sampled result is
  checked against yimen's;
* N calls of `workdays_between(after, through)` (reported, no target);
* N calls of `add_workdays` in 2027, a provisional year (weekend rule), to show it costs the same;
* the index build (`invalidate()` then one call), reported separately.

Target: yimen's `add_workdays` at least 200× faster per call than the baseline. The results are
printed and written to this benchmark's own section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

import chinese_calendar as cc
from common import REPO_ROOT, RESULTS_PATH, fail, load, machine, write_results

SECTION = "## Working-day calendar (bench/workdays.py)"
TARGET_RATIO = 200.0
SEED = 2024
FIRST_START = date(2005, 1, 1)
LAST_START = date(2025, 6, 30)
MAX_DAYS = 30
PROVISIONAL_YEAR = 2027

Workload = list[tuple[date, int]]
A = TypeVar("A")
B = TypeVar("B")


@dataclass(frozen=True)
class Timing:
    """One measurement: `calls` calls timed `len(runs)` times; the best run is the result."""

    name: str
    calls: int
    runs: tuple[float, ...]
    note: str = ""

    @property
    def seconds(self) -> float:
        return min(self.runs)

    @property
    def us_per_call(self) -> float:
        return self.seconds / self.calls * 1e6

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds

    @property
    def spread(self) -> str:
        return ", ".join(f"{r:.3f}" for r in self.runs) + " s"


def uniform_dates(rng: random.Random, first: date, last: date, count: int) -> list[date]:
    lo, hi = first.toordinal(), last.toordinal()
    return [date.fromordinal(rng.randint(lo, hi)) for _ in range(count)]


def make_workload(rng: random.Random, first: date, last: date, count: int) -> Workload:
    starts = uniform_dates(rng, first, last, count)
    return [(start, rng.randint(1, MAX_DAYS)) for start in starts]


def loop_add_workdays(start: date, n: int) -> date:
    """The baseline: the straightforward day-by-day walk with the chinesecalendar package."""
    d = start
    k = 0
    while k < n:
        d += timedelta(1)
        if cc.is_workday(d):
            k += 1
    return d


def weekend_add_workdays(start: date, n: int) -> date:
    """The weekend rule alone, for checking the provisional year."""
    d = start
    k = 0
    while k < n:
        d += timedelta(1)
        if d.weekday() < 5:
            k += 1
    return d


def time_calls(fn: Callable[[A, B], object], workload: Sequence[tuple[A, B]]) -> float:
    begin = time.perf_counter()
    for start, n in workload:
        fn(start, n)
    return time.perf_counter() - begin


def setup_django(var_dir: str) -> None:
    os.environ["YIMEN_VAR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "yimen.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def run(calls: int, sample: int, repeat: int) -> tuple[list[Timing], float, float, bool]:
    from yimen.core import calendar

    rng = random.Random(SEED)
    workload = make_workload(rng, FIRST_START, LAST_START, calls)
    between = [
        (after, after + timedelta(rng.randint(1, 90)))
        for after in uniform_dates(rng, FIRST_START, LAST_START, calls)
    ]
    provisional_workload = make_workload(
        rng, date(PROVISIONAL_YEAR, 1, 1), date(PROVISIONAL_YEAR, 11, 30), calls
    )
    baseline_workload = workload[:sample]

    # The index build, on its own: forget the index, then one call rebuilds it from the table.
    calendar.invalidate()
    begin = time.perf_counter()
    calendar.add_workdays(FIRST_START, 1)
    build_seconds = time.perf_counter() - begin

    # Correctness first: every sampled call must agree with the day-by-day loop.
    for start, n in baseline_workload:
        got = calendar.add_workdays(start, n)
        want = loop_add_workdays(start, n)
        if got.date != want or got.provisional:
            fail(f"add_workdays({start}, {n}) = {got}, day-by-day loop gives {want} (not provisional)")
        if calendar.workdays_between(start, got.date).workdays != n:
            fail(f"workdays_between({start}, {got.date}) != {n}")
    for start, n in provisional_workload[:sample]:
        got = calendar.add_workdays(start, n)
        want = weekend_add_workdays(start, n)
        if got.date != want or not got.provisional:
            fail(f"add_workdays({start}, {n}) = {got}, weekend rule gives {want} (provisional)")

    add = calendar.add_workdays
    count = calendar.workdays_between
    add(FIRST_START, 1)  # warm: the index is built and checked
    count(FIRST_START, LAST_START)
    measured: dict[str, list[float]] = {"add": [], "baseline": [], "between": [], "provisional": []}
    # Rounds interleave the measurements so that load from other processes on the shared machine
    # falls on all of them alike; each measurement keeps its best round (as timeit does).
    for _ in range(repeat):
        measured["add"].append(time_calls(add, workload))
        measured["baseline"].append(time_calls(loop_add_workdays, baseline_workload))
        measured["between"].append(time_calls(count, between))
        measured["provisional"].append(time_calls(add, provisional_workload))

    yimen = Timing("yimen add_workdays", calls, tuple(measured["add"]))
    baseline_sample = Timing("baseline loop (sampled)", sample, tuple(measured["baseline"]))
    baseline = Timing(
        "baseline loop (extrapolated)",
        calls,
        tuple(r / sample * calls for r in measured["baseline"]),
        note=f"extrapolated from the {sample:,}-call sample",
    )
    between_timing = Timing("yimen workdays_between", calls, tuple(measured["between"]))
    provisional = Timing(
        f"yimen add_workdays, {PROVISIONAL_YEAR} (provisional)", calls, tuple(measured["provisional"])
    )

    ratio = baseline.us_per_call / yimen.us_per_call
    timings = [yimen, baseline_sample, baseline, between_timing, provisional]
    return timings, build_seconds, ratio, ratio >= TARGET_RATIO


def table(timings: Sequence[Timing]) -> list[str]:
    rows = [
        "| measurement | calls | total s (best run) | µs/call | calls/s | all runs | note |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for t in timings:
        rows.append(
            f"| {t.name} | {t.calls:,} | {t.seconds:.3f} | {t.us_per_call:.2f} | "
            f"{t.calls_per_second:,.0f} | {t.spread} | {t.note} |"
        )
    return rows


def section(
    timings: Sequence[Timing],
    build_seconds: float,
    ratio: float,
    passed: bool,
    info: str,
    sample: int,
    repeat: int,
    loads: tuple[str, str],
) -> str:
    lines = [
        SECTION,
        "",
        f"- Run: {datetime.now().astimezone().isoformat(timespec='seconds')}; "
        f"load average (1/5/15 min) {loads[0]} at start, {loads[1]} at end",
        f"- Machine: {info}",
        f"- Workload: random.Random({SEED}); start dates uniform in {FIRST_START}..{LAST_START}, "
        f"days uniform in 1..{MAX_DAYS}; workdays_between over (after, after + 1..90 days); "
        f"provisional run with starts in {PROVISIONAL_YEAR}-01-01..{PROVISIONAL_YEAR}-11-30 "
        f"(weekend rule, every result provisional).",
        f"- Timing: time.perf_counter around each loop of calls; {repeat} interleaved rounds, each "
        f"measurement reports its best round (all rounds listed). Index warmed before timing.",
        f"- Baseline: day-by-day `while` loop over `chinese_calendar.is_workday`. **Sampled and "
        f"extrapolated**: timed on the first {sample:,} calls of the same workload and extrapolated "
        f"linearly to {timings[0].calls:,} calls. All {sample:,} sampled results equal yimen's "
        f"(checked in the run, which aborts otherwise).",
        f"- Index build (`invalidate()` + one call, not counted above): {build_seconds * 1000:.1f} ms",
        "",
        *table(timings),
        "",
        f"**add_workdays: baseline / yimen = {ratio:,.0f}× (target ≥ {TARGET_RATIO:.0f}×): "
        f"{'PASS' if passed else 'FAIL'}**",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls per yimen measurement")
    parser.add_argument(
        "--baseline-sample", type=int, default=2_000, help="calls timed for the day-by-day baseline"
    )
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds; the best is kept")
    args = parser.parse_args(argv)
    if args.calls < 1 or not 1 <= args.baseline_sample <= args.calls or args.repeat < 1:
        parser.error("need --calls >= 1, 1 <= --baseline-sample <= --calls and --repeat >= 1")

    info = machine("django", "chinesecalendar")
    load_start = load()
    var_dir = tempfile.mkdtemp(prefix="yimen-bench-calendar-")
    try:
        setup_django(var_dir)
        timings, build_seconds, ratio, passed = run(args.calls, args.baseline_sample, args.repeat)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    load_end = load()

    print(f"machine: {info}; load {load_start} -> {load_end}")
    print(f"index build: {build_seconds * 1000:.1f} ms (not counted below)")
    width = max(len(t.name) for t in timings)
    print(
        f"{'measurement':<{width}}  {'calls':>10}  {'best s':>8}  {'µs/call':>8}  {'calls/s':>10}  all runs"
    )
    for t in timings:
        print(
            f"{t.name:<{width}}  {t.calls:>10,}  {t.seconds:>8.3f}  {t.us_per_call:>8.2f}  "
            f"{t.calls_per_second:>10,.0f}  {t.spread}"
        )
    print(
        f"baseline SAMPLED on the first {args.baseline_sample:,} calls and extrapolated to {args.calls:,}; "
        f"all sampled results match yimen"
    )
    verdict = "PASS" if passed else "FAIL"
    print(f"add_workdays ratio baseline/yimen: {ratio:,.0f}x  (target >= {TARGET_RATIO:.0f}x)  {verdict}")

    text = section(
        timings, build_seconds, ratio, passed, info, args.baseline_sample, args.repeat, (load_start, load_end)
    )
    write_results(SECTION, text)
    print(f"wrote {RESULTS_PATH.relative_to(REPO_ROOT)}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
