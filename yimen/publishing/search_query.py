"""Searching the publications: one query string, facets to narrow the hits, a page of hits at a time.

How a query is read (`plan`):
- empty: every published item under the chosen facets, newest first;
- a 文号 (咸政办发〔2024〕5号, or part of one with its 〔年份〕): the document with that 文号 first, then
  any whose 文号 contains what was typed (normalised 文号 column; trigram index on PostgreSQL);
- one character, or characters jieba does not put together into a word: titles containing the text,
  found through the title's single characters (indexed too) and checked with LIKE;
- otherwise the words of the query (jieba, as at indexing), every one of which a hit must contain.

Cost does not grow with the number of hits (a common word may match half a million publications):
- the total and the facet counts are counted exactly up to `EXACT_LIMIT` hits; beyond, they are
  estimated from the sample (one run of `SAMPLE_RUN` consecutive ids in `SAMPLE`, with its own small
  indexes) and shown as 约;
- relevance: up to `RANK_LIMIT` hits every hit is ranked (ts_rank / bm25, title words weigh 10×);
  beyond, hits with the words in the title come first, each group newest first — both orders are read
  from the date index, stopping after a page;
- pages stop after `MAX_HITS` hits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, overload

from django.db import connection

from yimen.core import text
from yimen.publishing import search
from yimen.publishing.models import Kind, Publication, Validity

# The sample: runs of SAMPLE_RUN consecutive ids, one run in SAMPLE (partial indexes on PostgreSQL).
SAMPLE, SAMPLE_RUN = 32, 16
EXACT_LIMIT = 5000
RANK_LIMIT = 500
MAX_HITS = 5000
WALK_FROM = 1000  # SQLite: from this many hits, pages are read by walking the date index (PostgreSQL:
# from EXACT_LIMIT, where checking a row costs more: its document is read from TOAST)
WALK_BUDGET = (2000, 100_000)  # PostgreSQL: the fewest and the most rows a walk reads
FACET_OPTIONS = 12  # organisations and nodes listed per facet (the most frequent)
SORTS = {"relevance": "相关度", "date": "发布日期"}
_HAS_YEAR_IN_BRACKETS = re.compile(r"〔(?:19|20)\d\d〕")
_NEWEST = "m.published_at DESC, m.id DESC"


@dataclass(frozen=True)
class SearchFilter:
    q: str = ""
    organisation: int | None = None  # Organisation.id
    node: str = ""  # CatalogueNode.code (the same code in every organisation's catalogue)
    year: int | None = None  # year of publication
    validity: str = ""
    kind: str = ""
    sort: str = "relevance"

    def narrowed(self) -> bool:
        return any([self.organisation, self.node, self.year, self.validity, self.kind])


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _quoted(words: list[str]) -> str:
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


@dataclass
class Plan:
    """One search as SQL: `m` is the index row (facets), `f` the FTS5 row on SQLite."""

    mode: str  # browse | number | substring | words
    where: list[str] = field(default_factory=list)  # facet conditions
    params: list[Any] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # what a hit contains (and is highlighted)
    number: str = ""  # number mode: the normalised 文号
    _in_sample: int | None = field(default=None, repr=False)

    @property
    def fts(self) -> bool:
        return not _postgres() and self.mode in ("words", "substring")

    def source(self) -> str:
        if _postgres():
            return f"{search.TABLE} m"
        if self.fts:
            return f"{search.TABLE} f JOIN {search.META} m ON m.id = f.rowid"
        return f"{search.META} m"

    def match(self, part: str = "all") -> tuple[list[str], list[Any]]:
        """The text condition: `all` of the document, the `title` only, or the `body` but not the title."""
        if self.mode == "browse":
            return [], []
        if self.mode == "number":
            return _contains("document_number", self.number)
        if self.mode == "substring":
            chars = [c for c in dict.fromkeys(text.normalize(self.terms[0])) if search.is_cjk(c)]
            like, params = _contains("title", self.terms[0])
            if not chars:
                return like, params
            if _postgres():
                return [*like, "m.title_terms @@ plainto_tsquery('simple', %s)"], [*params, " ".join(chars)]
            return [*like, f"{search.TABLE} MATCH %s"], [*params, f"title : ({_quoted(chars)})"]
        words = " ".join(self.terms)
        if _postgres():
            document = "m.document @@ plainto_tsquery('simple', %s)"
            title = "m.title_terms @@ plainto_tsquery('simple', %s)"
            return {
                "all": ([document], [words]),
                "title": ([title], [words]),
                "body": ([document, f"NOT {title}"], [words, words]),
            }[part]
        expression = _quoted(self.terms)
        return [f"{search.TABLE} MATCH %s"], [
            {
                "all": expression,
                "title": f"title : ({expression})",
                "body": f"({expression}) NOT title : ({expression})",
            }[part]
        ]

    def sql(
        self,
        select: str,
        *,
        part: str = "all",
        sample: bool = False,
        order: str = "",
        order_params: list[Any] | None = None,
        limit: int | None = None,
        offset: int = 0,
        group: str = "",
    ) -> tuple[str, list[Any]]:
        text_where, text_params = self.match(part)
        where = [*text_where, *self.where]
        if sample:
            # Written out: on PostgreSQL it is the partial index's predicate; on SQLite, tested on the
            # FTS5 row it spares the lookups of the rows outside the sample.
            where.append(f"({'f.rowid' if self.fts else 'm.id'} / {SAMPLE_RUN}) %% {SAMPLE} = 0")
        sql = f"SELECT {select} FROM {self.source()} WHERE {' AND '.join(where) or '1=1'}"
        params = [*text_params, *self.params]
        if group:
            sql += f" GROUP BY {group}"
        if order:
            sql += f" ORDER BY {order}"
            params += order_params or []
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            params += [limit, offset]
        return sql, params

    def in_sample(self) -> int:
        """The hits among the sample (counted once per search)."""
        if self._in_sample is None:
            self._in_sample = _scalar(*self.sql("count(*)", sample=True))
        return self._in_sample

    def newest_ids(self, part: str, limit: int, offset: int, *, hits: int) -> list[int]:
        """Ids in date order, for about `hits` hits. Many: read from the date index until the page is
        full; few: collected through the text index and sorted.

        The choice is made here, from the counts, not left to the planner: PostgreSQL guesses the
        frequency of a rare word (or of words that go together) and may walk the whole date index for
        it, or sort a hundred thousand hits of a common one; SQLite would join and sort every hit of a
        common word, so it is told to walk the date index and look each row up in the matching rowids."""
        if _postgres():
            walked = self._walk(part, limit, offset, hits) if hits > EXACT_LIMIT else None
            if walked is not None:
                return walked
            inner, params = self.sql("m.id, m.published_at", part=part)
            sql = f"SELECT id FROM ({inner} OFFSET 0) m ORDER BY {_NEWEST} LIMIT %s OFFSET %s"
            return _ids(sql, [*params, limit, offset])
        if not (self.fts and hits > WALK_FROM):
            return _ids(*self.sql("m.id", part=part, order=_NEWEST, limit=limit, offset=offset))
        text_where, text_params = self.match(part)
        matching = f"m.id IN (SELECT rowid FROM {search.TABLE} WHERE {' AND '.join(text_where)})"
        sql = (
            f"SELECT m.id FROM {search.META} m INDEXED BY {search.META}_recent "
            f"WHERE {' AND '.join([matching, *self.where])} ORDER BY {_NEWEST} LIMIT %s OFFSET %s"
        )
        return _ids(sql, [*text_params, *self.params, limit, offset])

    def _walk(self, part: str, limit: int, offset: int, hits: int) -> list[int] | None:
        """PostgreSQL: the newest rows by the date index (at most about three times as many as the hits'
        share says a page needs), keeping the hits. None when that ran out before the page was full: the
        hits are rarer among recent publications (a search for 2024 in 2026), so they are collected."""
        budget = 3 * (offset + limit) * _rows_in_index() // max(hits, 1)
        budget = min(max(budget, WALK_BUDGET[0]), WALK_BUDGET[1])
        text_where, text_params = self.match(part)
        newest = (
            f"SELECT m.id, m.published_at, m.document, m.title_terms FROM {self.source()} "
            f"WHERE {' AND '.join(self.where) or '1=1'} ORDER BY {_NEWEST} LIMIT %s"
        )
        sql = (
            f"SELECT m.id FROM ({newest}) m WHERE {' AND '.join(text_where)} "
            f"ORDER BY {_NEWEST} LIMIT %s OFFSET %s"
        )
        ids = _ids(sql, [*self.params, budget, *text_params, limit, offset])
        return ids if len(ids) == limit else None

    def title_hits(self) -> int:
        """About how many hits have the words in their title: PostgreSQL counts the sample (stopping
        once they are many), SQLite the FTS5 index."""
        if _postgres():
            enough = EXACT_LIMIT // SAMPLE + 1
            inner, params = self.sql("1", part="title", sample=True, limit=enough)
            return _scalar(f"SELECT count(*) FROM ({inner}) s", params) * SAMPLE
        return self.fts_hits("title")

    def fts_hits(self, part: str) -> int:
        """SQLite: the hits of the words alone (no facets), counted in the FTS5 index without a join."""
        text_where, text_params = self.match(part)
        return _scalar(f"SELECT count(*) FROM {search.TABLE} WHERE {' AND '.join(text_where)}", text_params)


_rows_seen: tuple[float, int] = (0.0, 0)


def _rows_in_index() -> int:
    """PostgreSQL's own estimate of the index table's rows (what ANALYZE and autovacuum keep), re-read
    every minute."""
    global _rows_seen
    if time.monotonic() - _rows_seen[0] > 60:
        rows = _scalar(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE relname = %s", [search.TABLE]
        )
        _rows_seen = (time.monotonic(), max(rows, 1))
    return _rows_seen[1]


def _contains(column: str, value: str) -> tuple[list[str], list[Any]]:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    operator = "ILIKE" if _postgres() else "LIKE"
    return [f"m.{column} {operator} %s ESCAPE '\\'"], [f"%{escaped}%"]


def _ids(sql: str, params: list[Any]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _scalar(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


def _facet_where(f: SearchFilter) -> tuple[list[str], list[Any]]:
    where, params = [], []
    for column, value in [
        ("organisation_id", f.organisation),
        ("node_code", f.node),
        ("year", f.year),
        ("validity", f.validity),
        ("kind", f.kind),
    ]:
        if value:
            where.append(f"m.{column} = %s")
            params.append(value)
    return where, params


def plan(f: SearchFilter) -> Plan:
    """Decide how to read the query (see the module docstring)."""
    where, params = _facet_where(f)
    q = " ".join(f.q.split())
    if not q:
        return Plan("browse", where, params)
    number = search.normalize_document_number(q)
    if _HAS_YEAR_IN_BRACKETS.search(number) or search.DOCUMENT_NUMBER.fullmatch(number):
        found = Plan("number", where, params, [q], number)
        if _scalar(*found.sql("count(*)")):
            return found
    search.teach_words()
    terms = text.query_terms(q)
    # jieba gives several characters as one term only for a word it knows (or a run of Latin letters
    # and digits); a query of single characters is matched as text in titles.
    if any(len(t) > 1 for t in terms):
        return Plan("words", where, params, terms)
    return Plan("substring", where, params, [q])


@dataclass(frozen=True)
class Count:
    hits: int
    estimated: bool  # counted in the sample and multiplied by SAMPLE


def count(found: Plan) -> Count:
    """Exact up to EXACT_LIMIT; beyond, the sample's count × SAMPLE (文号 matches are always few)."""
    if found.mode != "number":
        in_sample = found.in_sample()
        if in_sample * SAMPLE > EXACT_LIMIT:
            return Count(in_sample * SAMPLE, True)
    return Count(_scalar(*found.sql("count(*)")), False)


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
    if _postgres():
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
        f"SELECT '{c}', CAST({c} AS text), count(*) FROM hits GROUP BY {c}" for c in columns
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH hits AS MATERIALIZED ({hits}) {union}", params)
        for column, value, n in cursor.fetchall():
            counts[column][str(value)] = int(n) * (SAMPLE if sample else 1)
    return counts


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
            order = f"CASE WHEN m.document_number = %s THEN 0 ELSE 1 END, {_NEWEST}"
            return _ids(
                *found.sql("m.id", order=order, order_params=[found.number], limit=limit, offset=offset)
            )
        if found.mode != "words" or self.filter.sort == "date":
            return found.newest_ids("all", limit, offset, hits=hits)
        if hits <= RANK_LIMIT or (not _postgres() and not self.total.estimated):
            if _postgres():
                rank = "ts_rank(m.document, plainto_tsquery('simple', %s)) DESC"
                params = [" ".join(found.terms)]
            else:
                rank, params = f"bm25({search.TABLE}, 10.0, 1.0)", []
            return _ids(
                *found.sql(
                    "m.id", order=f"{rank}, {_NEWEST}", order_params=params, limit=limit, offset=offset
                )
            )
        if not self.total.estimated:
            title = "m.title_terms @@ plainto_tsquery('simple', %s) DESC"
            params = [" ".join(found.terms)]
            return _ids(
                *found.sql(
                    "m.id", order=f"{title}, {_NEWEST}", order_params=params, limit=limit, offset=offset
                )
            )
        # Many hits: those with the words in the title, newest first, then the others, newest first.
        ids = found.newest_ids("title", limit, offset, hits=found.title_hits())
        if len(ids) == limit:
            return ids
        in_titles = offset + len(ids) if ids else _scalar(*found.sql("count(*)", part="title"))
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
    node_names: dict[str, str] = {}
    for code, name in CatalogueNode.objects.filter(code__in=[c for c, _ in nodes]).values_list(
        "code", "name"
    ):
        node_names.setdefault(code, name)
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
    total = count(found)
    facets = _facets(f, facet_counts(found, sample=total.estimated)) if with_facets else []
    return Results(f, found.mode, found.terms, total, Matches(f, found, total), facets)
