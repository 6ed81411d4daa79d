"""Benchmark: publication search (jieba + FTS5 / tsvector) against a LIKE '%…%' scan, at a province's size.

Run from the repository root:

    .venv/bin/python bench/search.py                       # SQLite, 200,000 publications
    .venv/bin/python bench/search.py --database-url postgres://postgres@127.0.0.1:5432/yimen_bench_search
                                                           # PostgreSQL, 1,000,000 publications

It builds a throwaway database (SQLite in a temporary YIMEN_VAR, or the PostgreSQL database named by
--database-url, created and dropped), loads the org demo, gives every organisation its default 公开目录
and writes N invented publications as rows (bench/search_corpus.py: COPY / executemany). Then
`yimen.publishing.search.reindex()` builds the index (the product's code: its rate is the indexing rate)
and, in the same run, 100 real-looking queries are timed:

* the search page: `search_publications(SearchFilter(q=…))` — the plan, the facet counts (which give
  the total) and the first page of 20 publications; by relevance, and by date;
* the same work as the baseline: `search_publications(…, with_facets=False)` (as the API), the total
  and the ids of the newest 20;
* the baseline: the same question asked with LIKE '%word%' over title, 文号 and body text of the
  publications table (each word of the query must occur): the count and the ids of the newest 20.
Targets: the search page's p95 ≤ 50 ms, and the baseline's total time ≥ 100× yimen's for the same work.

Method and caveats: bench/README.md. Results: this benchmark's own section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from common import best_of, fail, load, machine, percentile, table, write_results
from search_corpus import Corpus
from search_data import Indexing, build_index, generate, psql, setup_django
from search_templates import TOPICS

SECTION = "## Publication search (bench/search.py)"
SEED = 2019
QUERIES, ROUNDS, PAGE = 100, 3, 20
TARGET_P95_MS, TARGET_RATIO = 50.0, 100.0
YIMEN, BY_DATE = "yimen search page (relevance)", "yimen search page (newest first)"
SAME_WORK, BASELINE = "yimen count + newest 20 ids", "LIKE '%…%' scan: count + newest 20 ids"


def queries(corpus: Corpus, rng: random.Random) -> list[str]:
    """100 queries as people type them: topics, two-character words, several words, organisation
    names, 文号 (exact, and with other brackets), a few short ones."""
    words = [
        "预算",
        "决算",
        "招聘",
        "采购",
        "公示",
        "中标",
        "处罚",
        "许可",
        "疫情",
        "防汛",
        "消防",
        "养老",
        "医保",
        "教育",
        "环保",
        "统计",
        "规划",
        "督查",
        "培训",
        "调研",
        "整改",
        "救助",
        "就业",
        "扶贫",
        "演练",
        "抽检",
        "收费",
        "补贴",
        "住房",
        "税费",
    ]
    phrases = [
        "2023年 部门预算", "食品安全 抽检", "行政处罚决定书", "中标结果公告", "公开招聘 工作人员",
        "安全生产 专项检查", "最低生活保障标准", "双随机一公开 抽查结果", "政府信息公开 年度报告",
        "营商环境", "不动产登记", "建筑工程施工许可证", "三公经费", "应急预案", "老旧小区改造",
        "高标准农田", "河湖长制", "公积金", "排污许可证", "城乡居民基本医疗保险",
    ]  # fmt: skip
    organisations = [
        "市场监督管理局",
        "咸宁市公安局",
        "政务服务中心",
        "咸宁市人民政府办公室",
        "住房和城乡建设局",
    ]
    numbers = rng.sample(corpus.document_numbers, min(8, len(corpus.document_numbers)))
    loose = [n.replace("〔", "[").replace("〕", "]") for n in numbers[:2]]
    chosen = rng.sample(words, 25) + phrases + organisations + numbers + loose
    chosen += [*rng.sample(TOPICS, 25), "税", "网", "12345", "2024", "咸宁市"]
    chosen += [f"{t} {w}" for t, w in zip(rng.sample(TOPICS, 10), rng.sample(words, 10), strict=True)]
    return chosen[:QUERIES]


def _like_words(q: str) -> list[str]:
    from yimen.publishing.search_words import normalize_document_number

    number = normalize_document_number(q)
    return [number] if "〔" in number else q.split()


def baseline(q: str) -> tuple[int, list[int]]:
    """LIKE '%word%' over title, 文号 and body text, every word required: the count and the newest page."""
    from django.db import connection

    from yimen.publishing.models import Publication

    where, params = ["state = 'published'"], []
    for word in _like_words(q):
        where.append("(title LIKE %s OR document_number LIKE %s OR body_text LIKE %s)")
        params += [f"%{word}%"] * 3
    sql = f"FROM {Publication._meta.db_table} WHERE {' AND '.join(where)}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {sql}", params)
        total = cursor.fetchone()[0]
        cursor.execute(f"SELECT id {sql} ORDER BY published_at DESC, id DESC LIMIT {PAGE}", params)
        return total, [r[0] for r in cursor.fetchall()]


def yimen(q: str, sort: str = "relevance") -> tuple[int, list[int], str]:
    from yimen.publishing.search_plan import SearchFilter
    from yimen.publishing.search_query import search_publications

    results = search_publications(SearchFilter(q=q, sort=sort))
    page = results.matches[:PAGE]
    return results.total.hits, [p.pk for p in page], results.mode


def same_work(q: str) -> tuple[int, list[int]]:
    """What the baseline does, done by yimen: the total and the ids of the newest page (as the API)."""
    from yimen.publishing.search_plan import SearchFilter
    from yimen.publishing.search_query import search_publications

    results = search_publications(SearchFilter(q=q, sort="date"), with_facets=False)
    return results.total.hits, results.matches.ids(0, PAGE)


def check(q: str) -> None:
    """Every hit on the first page holds every word of the query (or the 文号 typed), where it was indexed."""
    from yimen.core import text
    from yimen.publishing import search_words
    from yimen.publishing.models import Publication

    total, ids, mode = yimen(q)
    if total and not ids:
        fail(f"{q!r}: {total} hits counted but no page")
    for publication in Publication.objects.filter(pk__in=ids).select_related("organisation", "node"):
        indexed = text.normalize(
            " ".join(
                [
                    publication.title,
                    search_words.normalize_document_number(publication.document_number),
                    publication.organisation.name,
                    publication.node.name,
                    publication.get_kind_display(),
                    publication.topic,
                    publication.index_number or "",
                    publication.summary,
                    publication.body_text,
                    *publication.attachments.values_list("text", flat=True),
                ]
            )
        )
        if mode == "number":
            wanted = [search_words.normalize_document_number(q)]
        else:
            wanted = [text.normalize(w) for w in (text.query_terms(q) if mode == "words" else [q])]
        missing = [w for w in wanted if w not in indexed]
        if missing:
            fail(f"{q!r}: hit #{publication.pk} {publication.title!r} lacks {missing}")
    if mode == "number" and search_words.DOCUMENT_NUMBER.fullmatch(search_words.normalize_document_number(q)):
        first = Publication.objects.get(pk=ids[0])
        if search_words.normalize_document_number(
            first.document_number
        ) != search_words.normalize_document_number(q):
            fail(f"{q!r}: the document with this 文号 is not the first hit ({first.document_number})")


@dataclass
class Timing:
    seconds: list[float]
    counts: list[int]


def time_queries(qs: list[str]) -> dict[str, Timing]:
    """yimen by relevance and by date, ROUNDS rounds interleaved query by query (each query's median);
    the baseline once per query (a full scan each time: its rounds would only repeat it)."""
    measured: dict[str, Callable[[str], tuple[int, Any]]] = {
        YIMEN: lambda q: yimen(q)[:2],
        BY_DATE: lambda q: yimen(q, "date")[:2],
        SAME_WORK: same_work,
    }
    runs = {name: [[0.0] * ROUNDS for _ in qs] for name in measured}
    counts: dict[str, list[int]] = {name: [0] * len(qs) for name in [*measured, BASELINE]}
    for round_ in range(ROUNDS):
        for i, q in enumerate(qs):
            for name, fn in measured.items():
                begin = time.perf_counter()
                counts[name][i] = fn(q)[0]
                runs[name][i][round_] = time.perf_counter() - begin
    timings = {name: Timing([statistics.median(r) for r in runs[name]], counts[name]) for name in measured}
    seconds = []
    for i, q in enumerate(qs):
        begin = time.perf_counter()
        counts[BASELINE][i] = baseline(q)[0]
        seconds.append(time.perf_counter() - begin)
        print(f"  baseline {i + 1}/{len(qs)}: {q} {seconds[-1]:.2f} s", flush=True)
    timings[BASELINE] = Timing(seconds, counts[BASELINE])
    return timings


def steps(q: str) -> list[tuple[str, str]]:
    """Where one search page's time goes: the plan, the facet counts with the total, the facets' names,
    a page of ids, the publications."""
    from yimen.publishing import search_plan
    from yimen.publishing import search_query as sq

    f = search_plan.SearchFilter(q=q)
    found = search_plan.plan(f)
    counts, total = sq.counted_facets(found)
    matches = sq.Matches(f, found, total)

    def ms(fn: Callable[[], object]) -> str:
        return f"{best_of(3, fn) * 1000:.1f} ms"

    kind = "estimated from the sample" if total.estimated else "exact"
    return [
        (f"{q}: plan ({found.mode})", ms(lambda: search_plan.plan(f))),
        (f"{q}: facet counts with the total ({kind}: {total.hits:,})", ms(lambda: sq.counted_facets(found))),
        (f"{q}: the facets' names", ms(lambda: sq._facets(f, counts))),
        (f"{q}: ids of the first page", ms(lambda: matches.ids(0, PAGE))),
        (f"{q}: the first page's publications", ms(lambda: matches[:PAGE])),
    ]


def describe(corpus: Corpus, indexing: Indexing) -> list[str]:
    from django.db import connection

    from yimen.publishing.models import Attachment, Publication

    database = (
        f"SQLite {sqlite3.sqlite_version}, a file in a temporary YIMEN_VAR (WAL, the product's settings)"
    )
    size = ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}, {connection.settings_dict['HOST']}, VACUUM ANALYZE after loading"
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('search_publication')), "
                "pg_size_pretty(pg_total_relation_size('publishing_publication'))"
            )
            index_size, table_size = cursor.fetchone()
            size = f"; index table with its indexes {index_size}, publications table {table_size}"
    attachments = Attachment.objects.count()
    organisations = Publication.objects.values("organisation").distinct().count()
    return [
        f"- Database: {database}{size}",
        f"- Data: {corpus.count:,} published publications of {organisations} organisations over 10 years, "
        f"{attachments:,} with an attachment's text; written as rows (COPY / executemany) in "
        f"{corpus.seconds:.1f} s ({corpus.count / corpus.seconds:,.0f} rows/s).",
        f"- Indexing: `search.reindex()` {indexing.rows:,} publications in {indexing.seconds:.1f} s = "
        f"**{indexing.rows / indexing.seconds:,.0f} documents/s** (clauses repeated across documents are "
        f"segmented once); `search.index()` one publication per transaction, clause cache emptied first: "
        f"{indexing.single} in {indexing.single_seconds:.1f} s = {indexing.single / indexing.single_seconds:,.0f} documents/s.",
    ]


def report(
    qs: list[str], timings: dict[str, Timing], facts: list[str], breakdown: list[tuple[str, str]]
) -> tuple[list[str], list[tuple[str, bool]]]:
    rows_ = []
    for name, t in timings.items():
        ms = [
            percentile(t.seconds, 0.5),
            percentile(t.seconds, 0.95),
            statistics.mean(t.seconds),
            max(t.seconds),
        ]
        rows_.append([name, *(f"{x * 1000:,.2f}" for x in ms), f"{sum(t.seconds):,.2f}"])
    mine, scan = timings[YIMEN], timings[BASELINE]
    p95 = percentile(mine.seconds, 0.95) * 1000
    ratio = sum(scan.seconds) / sum(timings[SAME_WORK].seconds)
    page_ratio = sum(scan.seconds) / sum(mine.seconds)
    slowest = sorted(range(len(qs)), key=lambda i: -mine.seconds[i])[:8]
    verdicts = [
        (
            f"yimen search p95 {p95:.1f} ms over {len(qs)} queries (target ≤ {TARGET_P95_MS:.0f} ms)",
            p95 <= TARGET_P95_MS,
        ),
        (
            f"the scan / yimen doing the same (count + newest 20 ids): total time of the {len(qs)} queries "
            f"{ratio:,.0f}× (target ≥ {TARGET_RATIO:.0f}×); the scan / the whole search page with its facets: "
            f"{page_ratio:,.0f}×",
            ratio >= TARGET_RATIO,
        ),
    ]
    lines = [
        *facts,
        "",
        *table("| search | p50 ms | p95 ms | mean ms | max ms | total s |", rows_),
        "- Slowest yimen queries (ms; yimen hits; LIKE hits): "
        + "; ".join(
            f"{qs[i]} {mine.seconds[i] * 1000:.0f}, {mine.counts[i]:,}, {scan.counts[i]:,}" for i in slowest
        ),
        "- Queries: " + "、".join(qs),
        "",
        "Where the slowest queries' time goes (best of 3):",
        "",
        *table("| step | time |", [list(r) for r in breakdown]),
        *[f"**{text}: {'PASS' if ok else 'FAIL'}**  " for text, ok in verdicts],
    ]
    return lines, verdicts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--publications", type=int, default=0, help="default 200,000 (SQLite) / 1,000,000 (PostgreSQL)"
    )
    parser.add_argument(
        "--database-url", default="", help="postgres://…/<name with 'bench'>; created, dropped"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database (and print where it is)")
    parser.add_argument("--no-results", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    name = urlsplit(args.database_url).path.lstrip("/")
    if args.database_url and not (args.database_url.startswith("postgres") and "bench" in name):
        parser.error("--database-url: a PostgreSQL URL whose database name contains 'bench' (it is dropped)")
    count = args.publications or (1_000_000 if args.database_url else 200_000)

    started, load_start, rng = datetime.now().astimezone(), load(), random.Random(SEED)
    var_dir = tempfile.mkdtemp(prefix="yimen-bench-search-")
    try:
        if args.database_url:
            psql(args.database_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        setup_django(var_dir, args.database_url)
        corpus = generate(count, rng)
        print(f"generated {count:,} publications in {corpus.seconds:.1f} s", flush=True)
        indexing = build_index(corpus, rng)
        print(f"indexed in {indexing.seconds:.1f} s", flush=True)
        qs = queries(corpus, rng)
        for q in qs:
            check(q)
        timings = time_queries(qs)
        slowest = sorted(range(len(qs)), key=lambda i: -timings[YIMEN].seconds[i])[:3]
        breakdown = [row for i in slowest for row in steps(qs[i])]
        facts = [
            f"- Run: {started.isoformat(timespec='seconds')}; load average (1/5/15 min) {load_start} at start, "
            f"{load()} at end",
            f"- Machine: {machine('django', 'jieba', 'psycopg')}",
            *describe(corpus, indexing),
            f"- Timing: each query's median of {ROUNDS} interleaved rounds for yimen (the search page: plan, facet "
            f"counts with the total, first page of {PAGE} publications; and the baseline's work: total and the "
            f"newest {PAGE} ids); the baseline once per query. "
            "Every hit of every first page is checked to hold the query's words (the run aborts otherwise).",
        ]
        from django.db import connections

        connections.close_all()
    finally:
        if args.keep:
            print(f"kept: {var_dir} {args.database_url}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
            if args.database_url:
                psql(args.database_url, f'DROP DATABASE IF EXISTS "{name}"')
    body, verdicts = report(qs, timings, facts, breakdown)
    section = f"{SECTION} — {'PostgreSQL' if args.database_url else 'SQLite'}"
    print("\n".join(body))
    if not args.no_results:
        write_results(section, "\n".join([section, "", *body, ""]))
        print(f"wrote {Path(__file__).with_name('RESULTS.md')}")
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
