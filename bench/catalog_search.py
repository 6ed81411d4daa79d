"""The catalogue benchmark's search: `public_items(ItemFilter(q=…))` against icontains over the same
fields, term by term, and where yimen's search time goes."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from catalog_data import Terms
from common import best_of, fail, percentile, table

SEARCH_ROUNDS = 3
TARGET_SEARCH_P95_MS, TARGET_SEARCH_RATIO = 20.0, 50.0
YIMEN, BASELINE, NARROW = (
    "yimen public_items(q)",
    "icontains over the indexed fields",
    "icontains over name + conditions",
)


def icontains_items(term: str, *, indexed_fields: bool) -> Any:
    """The same search with icontains, on the product's own list of public items (same columns, catalogue
    order): over the fields the index holds, or over name + conditions only."""
    from django.db.models import Exists, OuterRef, Q, QuerySet

    from yimen.catalog.models import ItemVersion, Material
    from yimen.catalog.queries import public_items

    match = Q(current__name__icontains=term) | Q(current__conditions__icontains=term)
    if indexed_fields:
        themes = ItemVersion.themes.through.objects.filter(itemversion=OuterRef("current"))
        match |= (
            Q(organisation__name__icontains=term)
            | Q(organisation__short_name__icontains=term)
            | Q(impl_code__icontains=term)
            | Q(basic_code__icontains=term)
            | Q(Exists(Material.objects.filter(version=OuterRef("current"), name__icontains=term)))
            | Q(Exists(themes.filter(theme__name__icontains=term)))
        )
    items = public_items()
    assert isinstance(items, QuerySet), "without a query, public_items() is a QuerySet"
    return items.filter(match)


def searches() -> dict[str, Callable[[str], Any]]:
    from yimen.catalog.queries import ItemFilter, public_items

    return {
        YIMEN: lambda term: public_items(ItemFilter(q=term)),
        BASELINE: lambda term: icontains_items(term, indexed_fields=True),
        NARROW: lambda term: icontains_items(term, indexed_fields=False),
    }


def check_search(terms: Terms) -> tuple[int, int]:
    """(pairs found, pairs): every term must find items whose name (or organisation) holds it."""
    search = searches()[YIMEN]
    found = expected = 0
    for term, ids in terms:
        got = {item.pk for item in search(term)}
        if not got & ids:
            fail(f"search for {term!r} finds none of the {len(ids)} items whose name holds it")
        found, expected = found + len(got & ids), expected + len(ids)
    return found, expected


@dataclass(frozen=True)
class Search:
    seconds: list[float]  # per term: the median of its rounds
    rounds: list[float]  # total of each round
    counts: list[int]
    notes: tuple[str, ...] = ()


def index_facts() -> str:
    """yimen's search index in memory: how long a process takes to build it and what it keeps."""
    from yimen.catalog import search_memory

    search_memory.forget()
    begin = time.perf_counter()
    index = search_memory.current()
    built = time.perf_counter() - begin
    search_memory.forget()
    gc.collect()
    tracemalloc.start()
    index = search_memory.current()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    postings = sum(len(positions) for positions, _ in index.postings.values())
    return (
        f"- yimen's search index in memory (`catalog/search_memory.py`): built from the database in "
        f"{built * 1000:,.0f} ms; {kept / 2**20:.1f} MiB kept ({peak / 2**20:.1f} MiB at the peak of the "
        f"build, by tracemalloc) for {len(index.rows):,} items, {len(index.postings):,} words, "
        f"{postings:,} postings."
    )


def time_search(terms: Terms) -> dict[str, Search]:
    from yimen.core import text

    text.query_terms("预热")  # loads jieba's dictionary
    facts = index_facts()
    measurements = searches()
    for fn in measurements.values():
        list(fn(terms[0][0])[:20])  # warm: organisation names taught to jieba, the first query
    runs: dict[str, list[list[float]]] = {name: [[] for _ in terms] for name in measurements}
    counts: dict[str, list[int]] = {name: [] for name in measurements}
    for round_ in range(SEARCH_ROUNDS):
        for i, (term, _ids) in enumerate(terms):
            for name, fn in measurements.items():  # interleaved term by term: load falls on all alike
                begin = time.perf_counter()
                qs = fn(term)
                list(qs[:20])
                count = qs.count()
                runs[name][i].append(time.perf_counter() - begin)
                if round_ == 0:
                    counts[name].append(count)
    return {
        name: Search(
            [statistics.median(r) for r in runs[name]],
            [sum(r[k] for r in runs[name]) for k in range(SEARCH_ROUNDS)],
            counts[name],
            (facts,) if name == YIMEN else (),
        )
        for name in measurements
    }


# Steps inside `public_items(...)`, timed on their own: they are not added to the whole.
INSIDE = ["jieba: the query's words", "the search alone (count, ranked page, rows: `search_page`)"]


def search_steps(terms: Terms, slowest_term: str) -> list[tuple[str, str]]:
    """Where `public_items(ItemFilter(q=…))` spends its time, step by step: summed over every term (one
    round), then for the slowest term (best of 3)."""
    from yimen.catalog import queries, results
    from yimen.core import text

    def steps(term: str) -> list[tuple[str, Callable[[], object]]]:
        qs = queries.public_items(queries.ItemFilter(q=term))
        return [
            (INSIDE[0], lambda: text.query_terms(term)),
            (INSIDE[1], lambda: results.search_page(term, None, limit=queries.FIRST_PAGE)),
            ("the whole `public_items(...)` call", lambda: queries.public_items(queries.ItemFilter(q=term))),
            ("`list(qs[:20])`", lambda: list(qs[:20])),
            ("`qs.count()`", qs.count),
        ]

    totals: dict[str, float] = {}
    for term, _ in terms:
        for label, fn in steps(term):
            totals[label] = totals.get(label, 0.0) + best_of(1, fn)
    whole = sum(v for k, v in totals.items() if k not in INSIDE)
    rows = [
        (f"all {len(terms)} terms: {k}", f"{v * 1000:,.0f} ms ({v / whole:.0%})") for k, v in totals.items()
    ]
    found = queries.public_items(queries.ItemFilter(q=slowest_term)).count()
    return rows + [
        (f"{slowest_term}, {found:,} found: {k}", f"{best_of(3, fn) * 1000:.1f} ms")
        for k, fn in steps(slowest_term)
    ]


def search_verdicts(searched: dict[str, Search]) -> list[tuple[str, bool]]:
    yimen, baseline = searched[YIMEN].seconds, searched[BASELINE].seconds
    p95, ratio = percentile(yimen, 0.95) * 1000, sum(baseline) / sum(yimen)
    return [
        (f"search p95 {p95:.1f} ms (target ≤ {TARGET_SEARCH_P95_MS:.0f} ms)", p95 <= TARGET_SEARCH_P95_MS),
        (
            f"search: total time of the {len(yimen)} queries (first page + count, each term's median), "
            f"{BASELINE} / yimen = {ratio:,.2f}× (target ≥ {TARGET_SEARCH_RATIO:.0f}×)",
            ratio >= TARGET_SEARCH_RATIO,
        ),
    ]


def seconds(values: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in values)


def slowest(searched: dict[str, Search]) -> list[int]:
    seconds = searched[YIMEN].seconds
    return sorted(range(len(seconds)), key=lambda i: -seconds[i])


def search_lines(terms: Terms, recall: tuple[int, int], searched: dict[str, Search]) -> list[str]:
    lengths, yimen, full = [len(t) for t, _ in terms], searched[YIMEN], searched[BASELINE].counts
    rows = []
    for name, s in searched.items():
        ms = [percentile(s.seconds, 0.5), percentile(s.seconds, 0.95), statistics.mean(s.seconds)]
        rows.append([name, *(f"{x * 1000:.2f}" for x in ms), f"{sum(s.seconds):.2f}", seconds(s.rounds)])
    lines = [
        f"- Search terms: {len(terms)} ({lengths.count(2)} of 2 characters, {lengths.count(3)} of 3, "
        f"{lengths.count(4)} of 4, {sum(n > 4 for n in lengths)} organisation names; "
        f"{len({t for t, _ in terms})} distinct). yimen finds {recall[0]:,} of the {recall[1]:,} "
        "(term, item whose name or organisation holds it) pairs.",
        *yimen.notes,
        "",
        *table("| search | p50 ms | p95 ms | mean ms | total s | total s per round |", rows),
    ]
    for name, s in list(searched.items())[1:]:
        p95 = percentile(s.seconds, 0.95) / percentile(yimen.seconds, 0.95)
        mean = statistics.mean(s.seconds) / statistics.mean(yimen.seconds)
        lines.append(f"- {name} / yimen: p95 {p95:,.2f}×, mean (and so total) {mean:,.2f}×")
    worst = [
        f"{terms[i][0]} {yimen.seconds[i] * 1000:.0f} ms, {yimen.counts[i]:,}, {full[i]:,}"
        for i in slowest(searched)
    ]
    more = sum(y > f for y, f in zip(yimen.counts, full, strict=True))
    fewer = sum(y < f for y, f in zip(yimen.counts, full, strict=True))
    return [
        *lines,
        "- Slowest yimen terms (time; yimen count; icontains count): " + "; ".join(worst[:6]),
        f"- Counts: yimen finds more items than icontains for {more} terms (the index also holds the item-type "
        f"label, business types, legal basis, FAQ), fewer for {fewer} (words jieba keeps inside longer ones).",
    ]
