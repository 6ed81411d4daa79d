"""The search index of published publications: jieba-segmented words beside the facets people filter by.

SQLite: an FTS5 table `search_publication` (title, body; unicode61 over pre-segmented words, rowid =
publication id) and a plain table `search_publication_meta` with the facets. PostgreSQL: one table
`search_publication` with the facets, a `document` tsvector (`simple` configuration; title weight A,
body weight B) and a small `title_terms` tsvector, each with a GIN index, and trigram indexes on the
title and the 文号 when pg_trgm is available. Segmentation is `yimen.core.text`, the same as the
catalogue's. The publishing services call `index` and `remove` inside their own transaction, so the
index holds exactly the published items; `reindex` rebuilds it and `check` lists any difference.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from yimen.core import text
from yimen.publishing.models import Attachment, Kind, Publication, PublicationState

TABLE = "search_publication"
META = "search_publication_meta"  # SQLite only: FTS5 tables cannot be filtered or sorted cheaply
# Attachments can be books; past this many characters of text per publication the rest is not indexed.
MAX_BODY_CHARACTERS = 200_000
CHUNK = 2000

# 文号: 机关代字〔年份〕序号号, typed with any kind of bracket (〔〕 [] ［］ 【】 （） ()).
_OPEN, _CLOSE = "〔[［【(（", "〕]］】)）"
_BRACKETS = str.maketrans({**{c: "〔" for c in _OPEN}, **{c: "〕" for c in _CLOSE}})
DOCUMENT_NUMBER = re.compile(r"([^\s〔〕]*)〔\s*((?:19|20)\d\d)\s*〕\s*第?\s*(\d+)\s*号")
# jieba splits text into blocks at every character outside this class; such a character that is not a
# word character never becomes a token either, so text cut there segments exactly as the whole does.
_PIECE_BOUNDARY = re.compile(r"[^\w+#&.%\-]+")


def normalize_document_number(value: str) -> str:
    """One spelling for a 文号: half-width letters and digits, 〔〕 for any bracket, no spaces, no 第."""
    value = unicodedata.normalize("NFKC", value or "").translate(_BRACKETS)
    value = re.sub(r"\s+", "", value)
    return DOCUMENT_NUMBER.sub(lambda m: f"{m[1]}〔{m[2]}〕{int(m[3])}号", value)


def is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def title_characters(title: str) -> str:
    """The title's Chinese characters, each once: one- and two-character queries and words jieba keeps
    inside longer ones are found through them (then checked with LIKE)."""
    return " ".join(c for c in dict.fromkeys(text.normalize(title)) if is_cjk(c))


@lru_cache(maxsize=200_000)
def _piece_terms(piece: str) -> str:
    return text.index_terms(piece)


def index_terms(value: str) -> str:
    """`text.index_terms`, clause by clause: documents repeat clauses (特此通知, 各县市区人民政府…), and each
    distinct clause is segmented once per process. The result is the same as segmenting the whole text."""
    pieces = _PIECE_BOUNDARY.split(text.normalize(value))
    return " ".join(terms for piece in pieces if piece and (terms := _piece_terms(piece)))


# ---------------------------------------------------------------------------------------- dictionary

_taught: set[str] = set()
_signature: tuple[object, ...] | None = None
_checked_at = 0.0
RECHECK_SECONDS = 5.0


def teach_words() -> None:
    """Keep organisation names and service item names whole in the index and in queries alike.

    Read again only when organisations or public items changed (two cheap aggregates, at most every
    few seconds). A word learnt after documents containing it were indexed is found in them only after
    `yimen search reindex`.
    """
    global _signature, _checked_at
    if _signature is not None and time.monotonic() - _checked_at < RECHECK_SECONDS:
        return
    from yimen.catalog.models import ServiceItem
    from yimen.catalog.search import organisation_names
    from yimen.org.models import Organisation

    _checked_at = time.monotonic()
    organisations = Organisation.objects.aggregate(n=Count("id"), top=Max("id"))
    items = ServiceItem.objects.filter(current__isnull=False).aggregate(n=Count("id"), top=Max("current_id"))
    signature = (organisations["n"], organisations["top"], items["n"], items["top"])
    if signature == _signature:
        return
    _signature = signature
    words: set[str] = set()
    for name, short in Organisation.objects.values_list("name", "short_name"):
        words.update(organisation_names(name, short))
    names = ServiceItem.objects.filter(current__isnull=False, retired_at__isnull=True)
    for name in names.values_list("current__name", flat=True).distinct():
        term = re.split(r"[（(]", name, maxsplit=1)[0].strip()
        if 4 <= len(term) <= 16:
            words.add(term)
    new = words - _taught
    if new:
        text.add_words(new)
        _taught.update(new)
        _piece_terms.cache_clear()


def forget_words() -> None:
    """Re-read the words on next use (tests create organisations and items between searches)."""
    global _signature
    _signature = None


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
    from yimen.catalog.search import organisation_names

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
    """Rows in chunks, by ascending id (keyset pagination: no OFFSET over a million rows)."""
    after = 0
    while True:
        chunk = list(publications.filter(id__gt=after).order_by("id").values(*_SOURCE_FIELDS)[:CHUNK])
        if not chunk:
            return
        after = chunk[-1]["id"]
        attachments: dict[int, list[tuple[str, str]]] = {}
        found = Attachment.objects.filter(publication_id__in=[s["id"] for s in chunk]).order_by(
            "publication_id", "position", "id"
        )
        for publication_id, name, content in found.values_list("publication_id", "name", "text"):
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


def _write(rows: list[Row]) -> None:
    """Insert rows that are not in the index (callers delete first). PostgreSQL: a few with INSERT, many
    with COPY into a temporary table and one INSERT … SELECT; SQLite: executemany."""
    if not rows:
        return
    names = ", ".join([*COLUMNS, "title_terms", "document"])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) <= 10:
            values = ", ".join(["%s"] * len(COLUMNS)) + ", " + _PG_VALUES.format(t="%s", b="%s")
            cursor.executemany(
                f"INSERT INTO {TABLE} ({names}) VALUES ({values})",
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
                f"INSERT INTO {TABLE} ({names}) SELECT {', '.join(COLUMNS)}, {values} FROM {_PG_LOAD}"
            )
        else:
            adapt = connection.ops.adapt_datetimefield_value
            meta = [(*r[:6], adapt(r.published_at), *r[7:9]) for r in rows]
            cursor.executemany(
                f"INSERT INTO {META} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})", meta
            )
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, title, body) VALUES (%s, %s, %s)",
                [(r.id, r.title_terms, r.body_terms) for r in rows],
            )


def _delete(ids: list[int]) -> None:
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(ids))
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {TABLE} WHERE id IN ({placeholders})", ids)
        else:
            cursor.execute(f"DELETE FROM {META} WHERE id IN ({placeholders})", ids)
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({placeholders})", ids)


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


def index_many(publication_ids: Iterable[int]) -> int:
    """Index many publications at once (demo data, imports): the same rows as `index`, written in bulk."""
    ids = list(publication_ids)
    written = 0
    with transaction.atomic():
        teach_words()
        for start in range(0, len(ids), CHUNK):
            _delete(ids[start : start + CHUNK])
        for rows in _rows(indexable().filter(pk__in=ids)):
            _write(rows)
            written += len(rows)
    return written


def _pg_secondary_indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
            [TABLE, f"{TABLE}_pkey"],
        )
        return [(name, definition) for name, definition in cursor.fetchall()]


def clear() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {TABLE}")
        else:
            cursor.execute(f"DELETE FROM {META}")
            cursor.execute(f"DELETE FROM {TABLE}")


def reindex() -> int:
    """Rebuild the whole index from the published publications, in one transaction; returns the rows.

    On PostgreSQL the secondary indexes are dropped and built again after loading (faster than
    maintaining them row by row); searches wait for the transaction and then see the new index.
    """
    written = 0
    with transaction.atomic():
        clear()
        teach_words()
        rebuilt = _pg_secondary_indexes() if connection.vendor == "postgresql" else []
        with connection.cursor() as cursor:
            for name, _ in rebuilt:
                cursor.execute(f'DROP INDEX "{name}"')
        for rows in _rows(indexable()):
            _write(rows)
            written += len(rows)
        with connection.cursor() as cursor:
            if rebuilt:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, definition in rebuilt:
                cursor.execute(definition)
    return written


def count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE if connection.vendor == 'postgresql' else META}")
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
            f"SELECT p.id FROM {publication} p LEFT JOIN {meta} s ON s.id = p.id WHERE {published} AND s.id IS NULL ORDER BY p.id"
        ),
    )
    report(
        "在索引中但未发布（已撤回或已删除）",
        _ids(
            f"SELECT s.id FROM {meta} s LEFT JOIN {publication} p ON p.id = s.id AND {published} WHERE p.id IS NULL ORDER BY s.id"
        ),
    )
    differs = (
        "s.title <> p.title OR s.organisation_id <> p.organisation_id OR s.node_code <> n.code "
        "OR s.kind <> p.kind OR s.validity <> p.validity OR s.published_at <> p.published_at"
    )
    stale = _ids(
        f"SELECT p.id FROM {publication} p JOIN {meta} s ON s.id = p.id JOIN {node} n ON n.id = p.node_id "
        f"WHERE {published} AND ({differs}) ORDER BY p.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, p.document_number, s.document_number FROM {publication} p JOIN {meta} s ON s.id = p.id "
            f"WHERE {published} AND p.document_number <> s.document_number"
        )
        stale += [pk for pk, mine, theirs in cursor.fetchall() if normalize_document_number(mine) != theirs]
    report("索引内容与信息不一致（需重建索引）", sorted(set(stale)))
    if not postgres:
        report(
            "全文索引与索引元数据不一致",
            _ids(
                f"SELECT s.id FROM {META} s LEFT JOIN {TABLE} f ON f.rowid = s.id WHERE f.rowid IS NULL "
                f"UNION SELECT f.rowid FROM {TABLE} f LEFT JOIN {META} s ON s.id = f.rowid WHERE s.id IS NULL"
            ),
        )
    return problems
