"""Searching the publications: the hits in order a page at a time, the facets with their counts, and
the search as the portal and the API ask for it (`search_publications`).

Order: by date, newest first; or by relevance: up to `RANK_LIMIT` hits every hit is ranked (ts_rank /
bm25, title words weigh 10×); beyond, hits with the words in the title come first and, past the exact
count, each group is read newest first from the date index (see `search_plan`). Pages stop after
`MAX_HITS` hits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import overload

from django.db import connection
from django.db.models import Min

from yimen.publishing import search, search_plan
from yimen.publishing.models import Kind, Publication, Validity
from yimen.publishing.search_plan import (
    NEWEST,
    SAMPLE,
    Count,
    Plan,
    SearchFilter,
    count,
    fetch_ids,
    plan,
    postgres,
    scalar,
)

RANK_LIMIT = 500
MAX_HITS = 5000
FACET_OPTIONS = 12  # organisations and nodes listed per facet (the most frequent)
SORTS = {"relevance": "相关度", "date": "发布日期"}
FACETS = [
    ("organisation_id", "org", "发布机构"),
    ("node_code", "node", "公开目录"),
    ("year", "year", "发布年份"),
    ("validity", "validity", "有效性"),
    ("kind", "kind", "类别"),
]


def facet_counts(found: Plan, *, sample: bool = False) -> dict[str, dict[str, int]]:
    """{column: {value: hits}} for every facet column, in one statement over the hits (or over the
    sample's hits, multiplied by SAMPLE)."""
    counts: dict[str, dict[str, int]] = {c: {} for c, _, _ in FACETS}
    columns = [c for c, _, _ in FACETS]
    if postgres():
        sets = ", ".join(f"(m.{c})" for c in columns)
        sql, params = found.sql(
            ", ".join(f"m.{c}" for c in columns) + ", count(*)",
            sample=sample,
            group=f"GROUPING SETS ({sets})",
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for *values, n in cursor.fetchall():
                column = next(c for c, v in zip(columns, values, strict=True) if v is not None)
                counts[column][str(values[columns.index(column)])] = int(n) * (SAMPLE if sample else 1)
        return counts
    hits, params = found.sql(", ".join(f"m.{c}" for c in columns), sample=sample)
    union = " UNION ALL ".join(
        f"SELECT '{c}', CAST({c} AS text), count(*) FROM hits GROUP BY {c}"  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        for c in columns
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH hits AS MATERIALIZED ({hits}) {union}", params)
        for column, value, n in cursor.fetchall():
            counts[column][str(value)] = int(n) * (SAMPLE if sample else 1)
    return counts


def counted_facets(found: Plan) -> tuple[dict[str, dict[str, int]], Count]:
    """The facet counts and the total they give (every hit has one validity). The sample's facets come
    first: past EXACT_LIMIT hits they are the answer, shown as 约 (one statement, where counting the
    sample and then its facets took two); otherwise every hit is counted. 文号 matches always are."""
    if found.mode != "number":
        sampled = facet_counts(found, sample=True)
        hits = sum(sampled["validity"].values())
        if hits > search_plan.EXACT_LIMIT:
            return sampled, Count(hits, True)
    counts = facet_counts(found)
    return counts, Count(sum(counts["validity"].values()), False)


class Matches:
    """The hits in order, a page at a time (Paginator and slicing work on it); at most MAX_HITS."""

    def __init__(self, f: SearchFilter, found: Plan, total: Count):
        self.filter, self.plan, self.total = f, found, total

    def count(self) -> int:
        return min(self.total.hits, MAX_HITS)

    def __len__(self) -> int:
        return self.count()

    def ids(self, offset: int, limit: int) -> list[int]:
        found, hits = self.plan, self.total.hits
        if found.mode == "number":
            order = f"CASE WHEN m.document_number = %s THEN 0 ELSE 1 END, {NEWEST}"
            return fetch_ids(
                *found.sql("m.id", order=order, order_params=[found.number], limit=limit, offset=offset)
            )
        if found.mode != "words" or self.filter.sort == "date":
            return found.newest_ids("all", limit, offset, hits=hits)
        if hits <= RANK_LIMIT or (not postgres() and not self.total.estimated):
            if postgres():
                rank = "ts_rank(m.document, plainto_tsquery('simple', %s)) DESC"
                params = [" ".join(found.terms)]
            else:
                rank, params = f"bm25({search.TABLE}, 10.0, 1.0)", []
            return fetch_ids(
                *found.sql("m.id", order=f"{rank}, {NEWEST}", order_params=params, limit=limit, offset=offset)
            )
        if not self.total.estimated:
            title = "m.title_terms @@ plainto_tsquery('simple', %s) DESC"
            params = [" ".join(found.terms)]
            return fetch_ids(
                *found.sql(
                    "m.id", order=f"{title}, {NEWEST}", order_params=params, limit=limit, offset=offset
                )
            )
        # Many hits: those with the words in the title, newest first, then the others, newest first.
        ids = found.newest_ids("title", limit, offset, hits=found.title_hits())
        if len(ids) == limit:
            return ids
        in_titles = offset + len(ids) if ids else scalar(*found.sql("count(*)", part="title"))
        rest = found.newest_ids("body", limit - len(ids), max(0, offset - in_titles), hits=hits)
        return ids + rest

    def __iter__(self) -> Iterator[Publication]:
        return iter(self[:])

    @overload
    def __getitem__(self, key: int) -> Publication: ...
    @overload
    def __getitem__(self, key: slice) -> list[Publication]: ...
    def __getitem__(self, key: int | slice) -> Publication | list[Publication]:
        if isinstance(key, int):
            return self[key : key + 1][0]
        start = key.start or 0
        stop = min(key.stop if key.stop is not None else self.count(), self.count())
        ids = self.ids(start, max(stop - start, 0))
        publications = Publication.objects.select_related("organisation", "node").defer("body")
        found = publications.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str  # the query parameter
    label: str
    options: list[Option]


def _facets(f: SearchFilter, counts: dict[str, dict[str, int]]) -> list[Facet]:
    from yimen.org.models import Organisation
    from yimen.publishing.models import CatalogueNode

    def top(values: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_OPTIONS]

    organisations = top(counts["organisation_id"])
    if f.organisation and str(f.organisation) not in dict(organisations):
        organisations.append((str(f.organisation), counts["organisation_id"].get(str(f.organisation), 0)))
    known = Organisation.objects.filter(pk__in=[int(v) for v, _ in organisations])
    names = {str(pk): (code, name) for pk, code, name in known.values_list("pk", "code", "name")}
    nodes = top(counts["node_code"])
    # A code is in every organisation's catalogue: one name per code, grouped by the database.
    named = CatalogueNode.objects.filter(code__in=[c for c, _ in nodes]).order_by().values("code")
    node_names = dict(named.annotate(label=Min("name")).values_list("code", "label"))
    options = {
        "organisation_id": [(names[v][0], names[v][1], n) for v, n in organisations if v in names],
        "node_code": [(v, node_names.get(v, v), n) for v, n in nodes],
        "year": [(v, f"{v}年", n) for v, n in sorted(counts["year"].items(), reverse=True)],
        "validity": [
            (v, Validity(v).label, n) for v, n in counts["validity"].items() if v in Validity.values
        ],
        "kind": [(v, Kind(v).label, n) for v, n in top(counts["kind"]) if v in Kind.values],
    }
    chosen = {
        "organisation_id": names.get(str(f.organisation), ("", ""))[0],
        "node_code": f.node,
        "year": str(f.year or ""),
        "validity": f.validity,
        "kind": f.kind,
    }
    return [
        Facet(parameter, label, [Option(v, name, n, v == chosen[column]) for v, name, n in options[column]])
        for column, parameter, label in FACETS
    ]


@dataclass
class Results:
    filter: SearchFilter
    mode: str
    terms: list[str]
    total: Count
    matches: Matches
    facets: list[Facet]


def search_publications(f: SearchFilter, *, with_facets: bool = True) -> Results:
    """Answer a search: the hits (a lazily paged `Matches`), the total and, if asked, the facets."""
    if f.sort not in SORTS:
        f = replace(f, sort="relevance")
    found = plan(f)
    if not with_facets:
        total = count(found)
        return Results(f, found.mode, found.terms, total, Matches(f, found, total), [])
    counts, total = counted_facets(found)
    return Results(f, found.mode, found.terms, total, Matches(f, found, total), _facets(f, counts))
