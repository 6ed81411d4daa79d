"""The search index of published publications: jieba-segmented words beside the facets people filter by.

SQLite: an FTS5 table `search_publication` (title, body; unicode61 over pre-segmented words, rowid =
publication id) and a plain table `search_publication_meta` with the facets. PostgreSQL: one table
`search_publication` with the facets, a `document` tsvector (`simple` configuration; title weight A,
body weight B) and a small `title_terms` tsvector (title words and characters), each with a GIN index,
a GIN index over the sample (one row in 32, for estimates) and a trigram index on the 文号 when pg_trgm
is available. The words come from `search_words`. The publishing services call `index` and `remove`
inside their own transaction, so the index holds exactly the published items; `reindex` rebuilds it
and `check` lists any difference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from yimen.org.names import organisation_names
from yimen.publishing.models import Attachment, Kind, Publication, PublicationState
from yimen.publishing.search_words import (
    index_terms,
    normalize_document_number,
    teach_words,
    title_characters,
)

TABLE = "search_publication"
META = "search_publication_meta"  # SQLite only: FTS5 tables cannot be filtered or sorted cheaply
# The sample: runs of SAMPLE_RUN consecutive ids, one run in SAMPLE. Counts and facets of common words
# are estimated from it: PostgreSQL through partial indexes, SQLite through an FTS5 table of its own.
SAMPLE, SAMPLE_RUN = 32, 16
SAMPLED = "search_publication_sampled"  # SQLite only
# Attachments can be books; past this many characters of text per publication the rest is not indexed.
MAX_BODY_CHARACTERS = 200_000
CHUNK = 2000

# ---------------------------------------------------------------------------------------- documents


class Row(NamedTuple):
    """One publication as the index holds it; the order of the fields is the order of the columns."""

    id: int
    organisation_id: int
    node_code: str
    year: int
    kind: str
    validity: str
    published_at: datetime
    document_number: str
    title: str
    title_terms: str
    body_terms: str


COLUMNS = [
    "id",
    "organisation_id",
    "node_code",
    "year",
    "kind",
    "validity",
    "published_at",
    "document_number",
    "title",
]


def indexable() -> QuerySet[Publication]:
    """What the index must hold: every published publication (a withdrawn one leaves it)."""
    return Publication.objects.filter(state=PublicationState.PUBLISHED, published_at__isnull=False)


_SOURCE_FIELDS = [
    "id",
    "organisation_id",
    "organisation__name",
    "organisation__short_name",
    "node__code",
    "node__name",
    "kind",
    "validity",
    "published_at",
    "document_number",
    "index_number",
    "title",
    "keywords",
    "topic",
    "genre",
    "summary",
    "body_text",
]


def _row(source: dict[str, Any], attachments: list[tuple[str, str]]) -> Row:
    """The words of a publication: title, 文号 and keywords weigh most; then who published it, where it
    sits, what kind it is, its summary and body, and its attachments' names and text."""
    number = normalize_document_number(source["document_number"])
    title = " ".join(p for p in (source["title"], number, source["keywords"]) if p)
    body_parts = [
        *organisation_names(source["organisation__name"], source["organisation__short_name"]),
        source["node__name"],
        Kind(source["kind"]).label if source["kind"] in Kind.values else "",
        source["topic"],
        source["genre"],
        source["index_number"] or "",
        source["summary"],
        source["body_text"],
    ]
    for name, content in attachments:
        body_parts += [name, content]
    body = "\n".join(p for p in body_parts if p)[:MAX_BODY_CHARACTERS]
    published_at = source["published_at"]
    return Row(
        id=source["id"],
        organisation_id=source["organisation_id"],
        node_code=source["node__code"],
        year=timezone.localtime(published_at).year,
        kind=source["kind"],
        validity=source["validity"],
        published_at=published_at,
        document_number=number,
        title=source["title"],
        title_terms=f"{index_terms(title)} {title_characters(source['title'])}",
        body_terms=index_terms(body),
    )


def _rows(publications: QuerySet[Publication]) -> Iterator[list[Row]]:
    """Rows in chunks of consecutive ids: each chunk is one primary-key range scan, whatever the planner
    believes about the table (no OFFSET, no sort, no LIMIT it could misjudge after a bulk load)."""
    bounds = publications.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, CHUNK):
        window = publications.filter(id__gte=start, id__lt=start + CHUNK).order_by("id")
        chunk = list(window.values(*_SOURCE_FIELDS))
        if not chunk:
            continue
        attachments: dict[int, list[tuple[str, str]]] = {}
        found = Attachment.objects.filter(publication_id__gte=start, publication_id__lt=start + CHUNK)
        rows = found.order_by("publication_id", "position", "id").values_list(
            "publication_id", "name", "text"
        )
        for publication_id, name, content in rows:
            attachments.setdefault(publication_id, []).append((name, content))
        yield [_row(s, attachments.get(s["id"], [])) for s in chunk]


# ---------------------------------------------------------------------------------------- writing

_PG_VALUES = (
    "to_tsvector('simple', {t}), "
    "setweight(to_tsvector('simple', {t}), 'A') || setweight(to_tsvector('simple', {b}), 'B')"
)
_PG_LOAD = f"{TABLE}_load"
_PG_LOAD_COLUMNS = (
    "id bigint, organisation_id bigint, node_code text, year smallint, kind text, validity text, "
    "published_at timestamptz, document_number text, title text, title_terms text, body_terms text"
)


def _write(rows: list[Row], table: str = TABLE) -> None:
    """Insert rows that are not in the index (callers delete first). PostgreSQL: a few with INSERT, many
    with COPY into a temporary table and one INSERT … SELECT; SQLite: executemany."""
    if not rows:
        return
    names = ", ".join([*COLUMNS, "title_terms", "document"])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) <= 10:
            values = ", ".join(["%s"] * len(COLUMNS)) + ", " + _PG_VALUES.format(t="%s", b="%s")
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({values})",  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
                [(*r[:-2], r.title_terms, r.title_terms, r.body_terms) for r in rows],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_PG_LOAD} ({_PG_LOAD_COLUMNS}) ON COMMIT DROP")
            cursor.execute(f"TRUNCATE {_PG_LOAD}")
            with cursor.cursor.copy(f"COPY {_PG_LOAD} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            values = _PG_VALUES.format(t="title_terms", b="body_terms")
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {', '.join(COLUMNS)}, {values} FROM {_PG_LOAD}"  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            )
        else:
            adapt = connection.ops.adapt_datetimefield_value
            meta = [(*r[:6], adapt(r.published_at), *r[7:9]) for r in rows]
            cursor.executemany(
                f"INSERT INTO {META} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
                meta,
            )
            words = [(r.id, r.title_terms, r.body_terms) for r in rows]
            cursor.executemany(f"INSERT INTO {TABLE} (rowid, title, body) VALUES (%s, %s, %s)", words)  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            cursor.executemany(
                f"INSERT INTO {SAMPLED} (rowid, title, body) VALUES (%s, %s, %s)",  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
                [w for w in words if in_sample(w[0])],
            )


def in_sample(publication_id: int) -> bool:
    return (publication_id // SAMPLE_RUN) % SAMPLE == 0


def _delete(ids: list[int]) -> None:
    if not ids:
        return
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(ids))
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {TABLE} WHERE id IN ({placeholders})", ids)  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        else:
            cursor.execute(f"DELETE FROM {META} WHERE id IN ({placeholders})", ids)  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({placeholders})", ids)  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            sampled = [pk for pk in ids if in_sample(pk)]
            if sampled:
                cursor.execute(
                    f"DELETE FROM {SAMPLED} WHERE rowid IN ({', '.join(['%s'] * len(sampled))})",  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
                    sampled,
                )


# ---------------------------------------------------------------------------------------- interface


def index(publication: Publication) -> None:
    """Put a publication in the index as it now reads (or take it out if it is not published)."""
    with transaction.atomic():
        _delete([publication.pk])
        teach_words()
        for rows in _rows(indexable().filter(pk=publication.pk)):
            _write(rows)


def remove(publication_id: int) -> None:
    _delete([publication_id])


def clear() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {TABLE}")
        else:
            cursor.execute(f"DELETE FROM {META}")  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            cursor.execute(f"DELETE FROM {TABLE}")  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            cursor.execute(f"DELETE FROM {SAMPLED}")  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter


def reindex() -> int:
    """Rebuild the whole index from the published publications; returns the rows written.

    SQLite: in one transaction (readers keep the old index until it commits: WAL). PostgreSQL: into a
    new table, indexed once loaded, that replaces the old one in a moment (`_swap`); searches keep
    using the old table meanwhile.
    """
    written = 0
    with transaction.atomic():
        teach_words()
        if connection.vendor != "postgresql":
            clear()
            for rows in _rows(indexable()):
                _write(rows)
                written += len(rows)
            return written
        # A publication saved just before this moment may commit after the rows are read: catch up
        # from a margin before it.
        started = timezone.now() - CATCH_UP_MARGIN
        _create_next()
        for rows in _rows(indexable()):
            _write(rows, NEXT)
            written += len(rows)
        _swap(started)
    return written


NEXT = f"{TABLE}_next"
CATCH_UP_MARGIN = timedelta(minutes=10)


def _create_next() -> None:
    """An empty copy of the index table: same columns, storage and options, no indexes yet."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s AND relkind = 'r'", [TABLE])
        options = (cursor.fetchone() or [None])[0] or []
        cursor.execute(f"DROP TABLE IF EXISTS {NEXT}")
        cursor.execute(f"CREATE TABLE {NEXT} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING STORAGE)")
        if options:
            cursor.execute(f"ALTER TABLE {NEXT} SET ({', '.join(options)})")


def _swap(started: datetime) -> None:
    """Index the new table like the old one (the old table's own index definitions, renamed), put it in
    the old one's place, then apply what was published or withdrawn while it was being built."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
            [TABLE],
        )
        indexes = cursor.fetchall()
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name, definition in indexes:
            if name == f"{TABLE}_pkey":
                cursor.execute(f"ALTER TABLE {NEXT} ADD CONSTRAINT {name}_next PRIMARY KEY (id)")
                continue
            definition = definition.replace(f"INDEX {name} ON", f"INDEX {name}_next ON", 1)
            cursor.execute(re.sub(rf" ON (\S+\.)?{TABLE} USING ", f" ON {NEXT} USING ", definition, count=1))
        cursor.execute(f"ANALYZE {NEXT}")
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"DROP TABLE {TABLE}")
        cursor.execute(f"ALTER TABLE {NEXT} RENAME TO {TABLE}")
        for name, _ in indexes:
            cursor.execute(f"ALTER INDEX {name}_next RENAME TO {name}")
    changed = indexable().filter(updated_at__gte=started).values_list("id", flat=True)
    _delete(list(changed))
    for rows in _rows(indexable().filter(updated_at__gte=started)):
        _write(rows)
    _delete(
        _ids(
            f"SELECT s.id FROM {TABLE} s LEFT JOIN {Publication._meta.db_table} p ON p.id = s.id "  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            f"AND p.state = '{PublicationState.PUBLISHED}' WHERE p.id IS NULL"
        )
    )


def count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE if connection.vendor == 'postgresql' else META}")  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        return int(cursor.fetchone()[0])


def _ids(sql: str, params: list[Any] | None = None) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return [row[0] for row in cursor.fetchall()]


def check(limit: int = 20) -> list[str]:
    """The differences between the index and the published publications, one line each (empty: none).

    Published but missing, indexed but not published (withdrawn, deleted), and indexed with another
    title, 文号, organisation, node, kind, validity or date than the publication has now.
    """
    postgres = connection.vendor == "postgresql"
    meta = TABLE if postgres else META
    publication, node = Publication._meta.db_table, "publishing_cataloguenode"
    published = f"p.state = '{PublicationState.PUBLISHED}' AND p.published_at IS NOT NULL"
    problems: list[str] = []

    def report(label: str, ids: list[int]) -> None:
        if not ids:
            return
        numbers = dict(Publication.objects.filter(pk__in=ids[:limit]).values_list("pk", "index_number"))
        shown = "，".join(f"#{i}" + (f"（{numbers[i]}）" if numbers.get(i) else "") for i in ids[:limit])
        more = f" 等 {len(ids)} 条" if len(ids) > limit else ""
        problems.append(f"{label}：{shown}{more}")

    report(
        "已发布但不在索引中",
        _ids(
            f"SELECT p.id FROM {publication} p LEFT JOIN {meta} s ON s.id = p.id WHERE {published} AND s.id IS NULL ORDER BY p.id"  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        ),
    )
    report(
        "在索引中但未发布（已撤回或已删除）",
        _ids(
            f"SELECT s.id FROM {meta} s LEFT JOIN {publication} p ON p.id = s.id AND {published} WHERE p.id IS NULL ORDER BY s.id"  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        ),
    )
    differs = (
        "s.title <> p.title OR s.organisation_id <> p.organisation_id OR s.node_code <> n.code "
        "OR s.kind <> p.kind OR s.validity <> p.validity OR s.published_at <> p.published_at"
    )
    stale = _ids(
        f"SELECT p.id FROM {publication} p JOIN {meta} s ON s.id = p.id JOIN {node} n ON n.id = p.node_id "  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        f"WHERE {published} AND ({differs}) ORDER BY p.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, p.document_number, s.document_number FROM {publication} p JOIN {meta} s ON s.id = p.id "  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            f"WHERE {published} AND p.document_number <> s.document_number"
        )
        stale += [pk for pk, mine, theirs in cursor.fetchall() if normalize_document_number(mine) != theirs]
    report("索引内容与信息不一致（需重建索引）", sorted(set(stale)))
    if not postgres:
        report(
            "全文索引与索引元数据不一致",
            _ids(
                f"SELECT s.id FROM {META} s LEFT JOIN {TABLE} f ON f.rowid = s.id WHERE f.rowid IS NULL "  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
                f"UNION SELECT f.rowid FROM {TABLE} f LEFT JOIN {META} s ON s.id = f.rowid WHERE s.id IS NULL"
            ),
        )
        report(
            "全文索引样本与索引不一致",
            _ids(
                f"SELECT s.id FROM {META} s LEFT JOIN {SAMPLED} f ON f.rowid = s.id "  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
                f"WHERE (s.id / {SAMPLE_RUN}) % {SAMPLE} = 0 AND f.rowid IS NULL "
                f"UNION SELECT f.rowid FROM {SAMPLED} f LEFT JOIN {META} s ON s.id = f.rowid "
                f"WHERE s.id IS NULL OR (f.rowid / {SAMPLE_RUN}) % {SAMPLE} <> 0"
            ),
        )
    return problems
