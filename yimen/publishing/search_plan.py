"""How a publication search is read and counted: the query's mode, its SQL for the database in use,
the total (exact, or estimated from the sample) and the pages read in date order.

How a query is read (`plan`):
- empty: every published item under the chosen facets, newest first;
- a 文号 (咸政办发〔2024〕5号): the documents with that 文号 (normalised, its own index); part of one
  with its 〔年份〕, or a whole one nobody has: every 文号 containing it (trigram index on PostgreSQL);
- one character, or characters jieba does not put together into a word: titles containing the text,
  found through the title's single characters (indexed too) and checked with LIKE;
- otherwise the words of the query (jieba, as at indexing), every one of which a hit must contain.

Cost does not grow with the number of hits (a common word may match half a million publications):
the total and the facet counts are exact up to `EXACT_LIMIT` hits; beyond, they are estimated from the
sample (one run of `SAMPLE_RUN` consecutive ids in `SAMPLE`, with its own small indexes) and shown as
约; pages of many hits are read from the date index, stopping after the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from yimen.core import memo, text
from yimen.publishing import search, search_words

# The sample: runs of SAMPLE_RUN consecutive ids, one run in SAMPLE (partial indexes on PostgreSQL, an
# FTS5 table of its own on SQLite).
SAMPLE, SAMPLE_RUN = search.SAMPLE, search.SAMPLE_RUN
EXACT_LIMIT = 5000
WALK_FROM = 1000  # SQLite: from this many hits, pages are read by walking the date index (PostgreSQL:
# from EXACT_LIMIT, where checking a row costs more: its document is read from TOAST)
WALK_BUDGET = (2000, 100_000)  # PostgreSQL: the fewest and the most rows a walk reads
PROBE_FROM = 0.25  # SQLite: when this share of the rows hit, a walk looks each row up by rowid
_HAS_YEAR_IN_BRACKETS = re.compile(r"〔(?:19|20)\d\d〕")
NEWEST = "m.published_at DESC, m.id DESC"


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


def postgres() -> bool:
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
    exact: bool = False  # number mode: the whole 文号, not a part
    _in_sample: int | None = field(default=None, repr=False)

    @property
    def fts(self) -> bool:
        return not postgres() and self.mode in ("words", "substring")

    def source(self) -> str:
        if postgres():
            return f"{search.TABLE} m"
        if self.fts:
            return f"{search.TABLE} f JOIN {search.META} m ON m.id = f.rowid"
        return f"{search.META} m"

    def match(self, part: str = "all") -> tuple[list[str], list[Any]]:
        """The text condition: `all` of the document, the `title` only, or the `body` but not the title."""
        if self.mode == "browse":
            return [], []
        if self.mode == "number":
            if self.exact:
                return ["m.document_number = %s"], [self.number]
            return _contains("document_number", self.number)
        if self.mode == "substring":
            chars = [c for c in dict.fromkeys(text.normalize(self.terms[0])) if search_words.is_cjk(c)]
            like, params = _contains("title", self.terms[0])
            if not chars:
                return like, params
            if postgres():
                return [*like, "m.title_terms @@ plainto_tsquery('simple', %s)"], [*params, " ".join(chars)]
            return [*like, f"{search.TABLE} MATCH %s"], [*params, f"title : ({_quoted(chars)})"]
        words = " ".join(self.terms)
        if postgres():
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
        source = self.source()
        if select == "count(*)" and self.fts and self.mode == "words" and not self.where:
            source = f"{search.TABLE} f"  # SQLite counts words in the FTS5 index alone: no row to join
        sampled = sample and self.fts
        if sampled:  # SQLite: the sample's own FTS5 table, a thirty-second of every word's rowids
            text_where = [c.replace(f"{search.TABLE} MATCH", f"{search.SAMPLED} MATCH") for c in text_where]
            source = source.replace(f"{search.TABLE} f", f"{search.SAMPLED} f", 1)
        where = [*text_where, *self.where]
        if sample and not sampled:
            # Written out: on PostgreSQL it is the partial indexes' predicate.
            where.append(f"(m.id / {SAMPLE_RUN}) %% {SAMPLE} = 0")
        sql = f"SELECT {select} FROM {source} WHERE {' AND '.join(where) or '1=1'}"  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
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
            self._in_sample = scalar(*self.sql("count(*)", sample=True))
        return self._in_sample

    def newest_ids(self, part: str, limit: int, offset: int, *, hits: int) -> list[int]:
        """Ids in date order, for about `hits` hits. Many: read from the date index until the page is
        full; few: collected through the text index and sorted.

        The choice is made here, from the counts, not left to the planner: PostgreSQL guesses the
        frequency of a rare word (or of words that go together) and may walk the whole date index for
        it, or sort a hundred thousand hits of a common one; SQLite would join and sort every hit of a
        common word, so it is told to walk the date index and look each row up in the matching rowids."""
        if postgres():
            walked = self._walk(part, limit, offset, hits) if hits > EXACT_LIMIT else None
            if walked is not None:
                return walked
            inner, params = self.sql("m.id, m.published_at", part=part)
            sql = f"SELECT id FROM ({inner} OFFSET 0) m ORDER BY {NEWEST} LIMIT %s OFFSET %s"  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            with transaction.atomic():
                # Collecting goes through the text index even when the planner, trusting its guess of
                # a common word, would rather read every row's document.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL enable_seqscan = off")
                return fetch_ids(sql, [*params, limit, offset])
        if not (self.fts and hits > WALK_FROM):
            return fetch_ids(*self.sql("m.id", part=part, order=NEWEST, limit=limit, offset=offset))
        # Each text condition has one parameter: FTS5 conditions go into the set of rowids, the others
        # (LIKE on the title) are checked on the row.
        text = list(zip(*self.match(part), strict=True))
        in_fts = [(c, p) for c, p in text if "MATCH" in c]
        on_row = [(c, p) for c, p in text if "MATCH" not in c]
        fts_where = " AND ".join(c for c, _ in in_fts)
        if hits > PROBE_FROM * _rows_in_index():
            # Most rows hit: look each row of the walk up in the FTS5 index (a seek by rowid) rather
            # than first gathering every matching rowid.
            fts = f"{search.TABLE} f"
            fts_where = fts_where.replace(f"{search.TABLE} MATCH", f"f.{search.TABLE} MATCH")
            matching = f"EXISTS (SELECT 1 FROM {fts} WHERE {fts_where} AND f.rowid = m.id)"  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        else:
            matching = f"m.id IN (SELECT rowid FROM {search.TABLE} WHERE {fts_where})"  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        where = [matching] if in_fts else []
        where += [*(c for c, _ in on_row), *self.where]
        sql = (
            f"SELECT m.id FROM {search.META} m INDEXED BY {search.META}_recent "  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            f"WHERE {' AND '.join(where)} ORDER BY {NEWEST} LIMIT %s OFFSET %s"
        )
        return fetch_ids(sql, [*(p for _, p in in_fts), *(p for _, p in on_row), *self.params, limit, offset])

    def _walk(self, part: str, limit: int, offset: int, hits: int) -> list[int] | None:
        """PostgreSQL: the newest rows by the date index (at most about three times as many as the hits'
        share says a page needs), keeping the hits. None when that ran out before the page was full: the
        hits are rarer among recent publications (a search for 2024 in 2026), so they are collected."""
        budget = 3 * (offset + limit) * _rows_in_index() // max(hits, 1)
        budget = min(max(budget, WALK_BUDGET[0]), WALK_BUDGET[1])
        text_where, text_params = self.match(part)
        newest = (
            f"SELECT m.id, m.published_at, m.title, m.title_terms, m.document FROM {self.source()} "  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            f"WHERE {' AND '.join(self.where) or '1=1'} ORDER BY {NEWEST} LIMIT %s"
        )
        sql = (
            f"SELECT m.id FROM ({newest}) m WHERE {' AND '.join(text_where) or '1=1'} "  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            f"ORDER BY {NEWEST} LIMIT %s OFFSET %s"
        )
        ids = fetch_ids(sql, [*self.params, budget, *text_params, limit, offset])
        return ids if len(ids) == limit else None

    def title_hits(self) -> int:
        """About how many hits have the words in their title: PostgreSQL counts the sample (stopping
        once they are many), SQLite the FTS5 index."""
        if postgres():
            enough = EXACT_LIMIT // SAMPLE + 1
            inner, params = self.sql("1", part="title", sample=True, limit=enough)
            return scalar(f"SELECT count(*) FROM ({inner}) s", params) * SAMPLE  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        return self.fts_hits("title")

    def fts_hits(self, part: str) -> int:
        """SQLite: the hits of the words alone (no facets), counted in the FTS5 index without a join."""
        text_where, text_params = self.match(part)
        return scalar(f"SELECT count(*) FROM {search.TABLE} WHERE {' AND '.join(text_where)}", text_params)  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter


@memo.kept(seconds=60)
def _rows_in_index() -> int:
    """About how many rows the index holds, re-read every minute: PostgreSQL's own estimate (what
    ANALYZE and autovacuum keep), SQLite's count."""
    if postgres():
        rows = scalar(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE relname = %s", [search.TABLE]
        )
    else:
        rows = scalar(f"SELECT count(*) FROM {search.META}", [])  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
    return max(rows, 1)


def _contains(column: str, value: str) -> tuple[list[str], list[Any]]:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    operator = "ILIKE" if postgres() else "LIKE"
    return [f"m.{column} {operator} %s ESCAPE '\\'"], [f"%{escaped}%"]


def fetch_ids(sql: str, params: list[Any]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def scalar(sql: str, params: list[Any]) -> int:
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
    number = search_words.normalize_document_number(q)
    if search_words.DOCUMENT_NUMBER.fullmatch(number):  # a whole 文号: that document (the 文号's own index)
        found = Plan("number", where, params, [q], number, exact=True)
        if scalar(*found.sql("count(*)")):
            return found
    if _HAS_YEAR_IN_BRACKETS.search(number):  # part of one: every 文号 containing it
        found = Plan("number", where, params, [q], number)
        if scalar(*found.sql("count(*)")):
            return found
    search_words.teach_words()
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


def estimate(found: Plan) -> Count | None:
    """The sample's count × SAMPLE when that is past EXACT_LIMIT; None when the hits are few enough to
    be counted (文号 matches always are)."""
    if found.mode != "number" and found.in_sample() * SAMPLE > EXACT_LIMIT:
        return Count(found.in_sample() * SAMPLE, True)
    return None


def count(found: Plan) -> Count:
    """Exact up to EXACT_LIMIT; beyond, estimated from the sample."""
    return estimate(found) or Count(scalar(*found.sql("count(*)")), False)
