"""Benchmark: the service catalogue — guide pages under gunicorn, and item search against icontains.

Run from the repository root:

    .venv/bin/python bench/catalog.py [--items N] [--duration S] [--database-url postgres://…/yimen_bench]

It builds a throwaway database (SQLite in a temporary YIMEN_VAR, or the PostgreSQL database named by
--database-url, which it creates and drops), loads the org demo and generates N published items through
`services.create_item` + `services.publish_directly`, so the search index is filled as in production, and
delivers the outbox as the worker would (which renders each published guide into the cache). Then, in
the same run:

* gunicorn (2 workers) serves the product's URLs plus a bench-only one-query JSON view; wrk drives
  /guide/<code>/ and /bench/json/<code> with random item codes, interleaved. Targets: guide pages at
  ≥ 25% of the JSON view's requests/s, guide p99 ≤ 100 ms.
* In process, 200 query terms taken from the items' names: `queries.public_items(ItemFilter(q=…))`
  (first page of 20 and count) against the same search done with icontains. Targets: p95 ≤ 20 ms,
  and the 200 queries ≥ 50× faster in total.

Method and caveats: bench/README.md. Results: this benchmark's own section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from catalog_data import SEED, describe, generate, psql, render_guides, sample_terms, setup_django
from catalog_pages import (
    CONNECTIONS,
    PROFILED_REQUESTS,
    WARMUP_SECONDS,
    WrkRun,
    check_server,
    load_test,
    page_verdicts,
    start_server,
    stop_server,
    where_time_goes,
    wrk_version,
)
from catalog_search import (
    Search,
    check_search,
    search_lines,
    search_steps,
    search_verdicts,
    slowest,
    time_search,
)
from common import RESULTS_PATH, load, machine, table, write_results

SECTION = "## Service catalogue (bench/catalog.py)"


def verdicts(results: list[tuple[str, bool]]) -> list[str]:
    return [f"**{text}: {'PASS' if ok else 'FAIL'}**  " for text, ok in results]


def report(
    facts: list[str],
    runs: list[WrkRun],
    breakdown: list[tuple[str, str]],
    searching: list[str],
    steps: list[tuple[str, str]],
    searched: dict[str, Search],
) -> list[str]:
    header = "| URL | connections | req/s | p50 ms | p99 ms | requests | errors | guide cache |"
    rows = [r.row() for r in runs]
    return [
        *facts,
        "",
        *table(header, rows),
        *verdicts(page_verdicts(runs)),
        "",
        f"Where a request's time goes, in process ({PROFILED_REQUESTS} random codes through django.test.Client, "
        "no network; profiled times include cProfile's overhead):",
        "",
        *table("| measurement | value |", [list(row) for row in breakdown]),
        *searching,
        "",
        "Where search time goes, in process:",
        "",
        *table("| measurement | value |", [list(row) for row in steps]),
        *verdicts(search_verdicts(searched)),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=5000, help="items to generate")
    parser.add_argument(
        "--database-url", default="", help="postgres://…/<name with 'bench'>; created, dropped"
    )
    parser.add_argument("--duration", type=int, default=15, help="seconds of each wrk run")
    args = parser.parse_args(argv)
    name = urlsplit(args.database_url).path.lstrip("/")
    if args.items < 100 or args.duration < 1:
        parser.error("need --items >= 100 and --duration >= 1")
    if args.database_url and not (args.database_url.startswith("postgres") and "bench" in name):
        parser.error("--database-url: a PostgreSQL URL whose database name contains 'bench' (it is dropped)")

    started, load_start, rng = datetime.now().astimezone(), load(), random.Random(SEED)
    var_dir, server = tempfile.mkdtemp(prefix="yimen-bench-catalog-"), None
    try:
        if args.database_url:
            psql(args.database_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        setup_django(var_dir, args.database_url)
        from django.db import connections

        corpus = generate(args.items, rng)
        print(f"generated {len(corpus.codes):,} items in {corpus.seconds:.1f} s", flush=True)
        rendered = render_guides()
        print(f"delivered the outbox (guides rendered) in {rendered:.1f} s", flush=True)
        data = describe(corpus, rendered)
        terms = sample_terms(corpus, rng)
        recall = check_search(terms)
        connections.close_all()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = f"http://127.0.0.1:{s.getsockname()[1]}"
        server = start_server(var_dir, base, corpus.codes[0])
        check_server(base, corpus, rng)
        runs = load_test(base, var_dir, corpus.codes, args.duration)
        stop_server(server)
        server = None
        breakdown = where_time_goes(corpus.codes, rng)
        searched = time_search(terms)
        steps = search_steps(terms, terms[slowest(searched)[0]][0])
        connections.close_all()
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(var_dir, ignore_errors=True)
        if args.database_url:
            psql(args.database_url, f'DROP DATABASE IF EXISTS "{name}"')
    facts = [
        f"- Run: {started.astimezone().isoformat(timespec='seconds')}; load average (1/5/15 min) {load_start} "
        f"at start, {load()} at end",
        f"- Machine: {machine('django', 'gunicorn', extra=[wrk_version()])}. **wrk and the 2 gunicorn workers "
        "share these 2 cores** over loopback.",
        *data,
        f"- Load: `wrk -t2 -c{CONNECTIONS} -d{args.duration}s --latency`, a random item code per request; "
        f"{WARMUP_SECONDS} s warm-up per URL, then json, guide, json, guide over every code (the verdicts) and the "
        "same at 2 connections (service time without queueing), with the guides as the worker left them; then, "
        "report only, guide pages once more after emptying the cache (every page rendered on demand at first).",
    ]
    body = report(facts, runs, breakdown, search_lines(terms, recall, searched), steps, searched)
    print("\n".join(body))
    section = f"{SECTION} — {'PostgreSQL' if args.database_url else 'SQLite'}"
    write_results(section, "\n".join([section, "", *body, ""]))
    print(f"wrote {RESULTS_PATH}")
    return 0 if all(ok for _, ok in page_verdicts(runs) + search_verdicts(searched)) else 1


if __name__ == "__main__":
    sys.exit(main())
