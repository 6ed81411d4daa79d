"""The catalogue's search, answered in memory: an inverted index per process, read from the database's
search index and rebuilt when a revision stamp says the catalogue changed.

Why: a catalogue is small and bounded (a city 520 items, a province perhaps 50,000) and searched far more
often than it changes, so a search needs no SQL at all. Each word's postings are kept ranked, so one word
gives its page and count by slicing; several words are intersected from the rarest. Each item carries
what a list row shows and what the filters test.

Same answers as the database: an item matches when it holds every word of the query as a token of the
database's own tokenizer (SQLite FTS5 unicode61: runs of letters and digits; PostgreSQL: the tsvector's
lexemes, read back as stored). A word the database would split further (xk-1, 1.5) is left to the
database (`ranked` returns None). Ranking is FTS5's bm25 with the title weighted 10×, on both databases.

Current: `bump` (publish, retire, reindex, in their transaction) writes a new random stamp and forgets this
process's index at once; other processes read the stamp at most every `search.RECHECK_SECONDS`
(`core.memo`). Organisation names and codes are read apart, as often, so a rename needs no rebuild.
"""

from __future__ import annotations

import math
import re
import secrets
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from django.db import connection, transaction

from yimen.catalog import search
from yimen.core import memo
from yimen.core.search import query_words
from yimen.org.models import Organisation

# What a list of items shows (portal results, API pages): the index keeps these, a page reads nothing more.
LIST_FIELDS = [
    "impl_code",
    "basic_code",
    "organisation__name",
    "organisation__code",
    "current__name",
    "current__number",
    "current__item_type",
    "current__level",
    "current__visits",
    "current__online_depth",
    "current__promised_limit",
    "current__promised_unit",
]
# Kept per item after (pk, organisation_id, current_id), in this order. The organisation's name and code
# are read from its own table at every recheck instead, so a renamed bureau shows within RECHECK_SECONDS.
ITEM_FIELDS = [f for f in LIST_FIELDS if "__" not in f]
VERSION_FIELDS = [f for f in LIST_FIELDS if f.startswith("current__")]
_SHARED = {"current__item_type", "current__level", "current__online_depth", "current__promised_unit"}

STAMP_TABLE = "catalog_search_revision"
_TABLE = f"search_{search.INDEX}"
TITLE_WEIGHT, K1, B = 10, 1.2, 0.75  # FTS5's bm25 (k1 = 1.2, b = 0.75) as `core.search` asks for it
# A word this index answers for: letters, digits and CJK ideographs only, one token in either database.
_ANSWERABLE = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_UNICODE61 = re.compile(r"[^\W_]+")  # FTS5 unicode61's tokens: runs of letters and digits
_LEXEME = re.compile(r"'((?:[^']|'')*)'(?::([0-9A-D,]+))?")  # one entry of a tsvector's text form

Document = tuple[int, Counter[str], int]  # item id, each word's weighted frequency, length in tokens
Hit = tuple[tuple[Any, ...], tuple[str, str]]  # (pk, organisation_id, current_id, *fields), (org name, code)


class Narrowing(Protocol):
    """The filters of a search (queries.ItemFilter); an empty string filters nothing."""

    @property
    def organisation(self) -> str: ...  # Organisation.code
    @property
    def item_type(self) -> str: ...
    @property
    def theme(self) -> str: ...  # Theme.code
    @property
    def level(self) -> str: ...
    @property
    def audience(self) -> str: ...  # person | legal


_FILTERS = ["organisation", "item_type", "level", "theme", "audience"]


class _Index:
    """One snapshot of the public items. Positions follow item ids; arrays, not objects, per posting."""

    def __init__(self, rows: list[tuple[Any, ...]], themes: dict[int, list[str]]):
        # Per position: (pk, organisation_id, current_id, *ITEM_FIELDS, *VERSION_FIELDS).
        self.rows = [row[:-2] for row in rows]
        # Per word: the positions holding it, best first, and each one's bm25 score (higher is better).
        self.postings: dict[str, tuple[array[int], array[float]]] = {}
        # Per filter and value: the positions having it.
        self.narrow: dict[str, dict[Any, array[int]]] = {name: {} for name in _FILTERS}
        type_at = 3 + len(ITEM_FIELDS) + VERSION_FIELDS.index("current__item_type")
        level_at = 3 + len(ITEM_FIELDS) + VERSION_FIELDS.index("current__level")
        for p, row in enumerate(rows):
            for name, keys in (
                ("organisation", [row[1]]),
                ("item_type", [row[type_at]]),
                ("level", [row[level_at]]),
                ("theme", themes.get(row[2], [])),
                ("audience", [a for a, on in zip(("person", "legal"), row[-2:], strict=True) if on]),
            ):
                for key in keys:
                    self.narrow[name].setdefault(key, array("i")).append(p)

    def rank(self, documents: Iterable[Document]) -> None:
        """Each word's postings, scored as FTS5's bm25 scores a phrase. Every row of the database index is
        a document, public or not (FTS5 counts them all); they come in item id order."""
        positions_of = {row[0]: p for p, row in enumerate(self.rows)}
        found: dict[str, tuple[list[int], list[int]]] = {}
        lengths = [0] * len(self.rows)
        documents_n = total_length = 0
        for item_id, frequencies, length in documents:
            documents_n, total_length = documents_n + 1, total_length + length
            p = positions_of.get(item_id)
            if p is None:
                continue
            lengths[p] = length
            for word, frequency in frequencies.items():
                entry = found.get(word)
                if entry is None:
                    found[word] = entry = ([], [])
                entry[0].append(p)
                entry[1].append(frequency)
        average = total_length / documents_n if documents_n else 1.0
        norms = [K1 * (1 - B + B * length / average) for length in lengths]
        for word, (positions, weighted) in found.items():
            idf = max(math.log((0.5 + documents_n - len(positions)) / (0.5 + len(positions))), 1e-6)
            scores = [idf * f * (K1 + 1) / (f + norms[p]) for p, f in zip(positions, weighted, strict=True)]
            order = sorted(range(len(positions)), key=scores.__getitem__, reverse=True)  # stable: ids
            self.postings[word] = (
                array("i", [positions[i] for i in order]),
                array("d", [scores[i] for i in order]),
            )

    def allowed(self, f: Narrowing, organisation_id: int | None) -> set[int] | None:
        """The positions the filters let through (None: no filter); the organisation by its id (-1: none
        has the code asked for)."""
        wanted = [
            ("organisation", organisation_id),
            ("item_type", f.item_type or None),
            ("level", f.level or None),
            ("theme", f.theme or None),
            ("audience", f.audience if f.audience in ("person", "legal") else None),
        ]
        lists = [self.narrow[name].get(key, array("i")) for name, key in wanted if key is not None]
        if not lists:
            return None
        lists.sort(key=len)
        allowed = set(lists[0])
        for positions in lists[1:]:
            allowed.intersection_update(positions)
        return allowed

    def matches(self, words: list[str], allowed: set[int] | None) -> Sequence[int]:
        """Every position holding all the words (and allowed), best first, ties by item id."""
        postings = []
        for word in words:
            found = self.postings.get(word)
            if found is None:
                return []
            postings.append(found)
        if len(postings) == 1:
            positions = postings[0][0]
            return positions if allowed is None else [p for p in positions if p in allowed]
        postings.sort(key=lambda entry: len(entry[0]))  # from the rarest word: the fewest lookups
        first, first_scores = postings[0]
        scores = dict(zip(first, first_scores, strict=True))
        if allowed is not None:
            scores = {p: s for p, s in scores.items() if p in allowed}
        for positions, more in postings[1:]:
            if not scores:
                break
            scores = {p: scores[p] + s for p, s in zip(positions, more, strict=True) if p in scores}
        return sorted(scores, key=lambda p: (-scores[p], p))


def _read_stamp() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stamp FROM {STAMP_TABLE} WHERE id = 1")  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        row = cursor.fetchone()
    return 0 if row is None else int(row[0])


def bump() -> None:
    """The catalogue's search changed: a new stamp, written in the caller's transaction (other processes
    see it with the change), and this process's index forgotten now and again at commit.

    A random stamp rather than a count: an index built inside a transaction that then rolls back must
    not share its stamp with the next change committed.
    """
    stamp = secrets.randbits(62)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {STAMP_TABLE} SET stamp = %s WHERE id = 1", [stamp])  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        if cursor.rowcount == 0:
            cursor.execute(f"INSERT INTO {STAMP_TABLE} (id, stamp) VALUES (1, %s)", [stamp])  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
    forget()
    transaction.on_commit(forget)


def forget() -> None:
    """Build the index again at the next search."""
    current.forget()


@memo.kept(seconds=search.RECHECK_SECONDS)
def organisations() -> tuple[dict[int, tuple[str, str]], dict[str, int]]:
    """Each organisation's (name, code) by id and its id by code, read again every RECHECK_SECONDS (one
    small query), so a renamed bureau shows in the rows without building the index again."""
    rows = Organisation.objects.order_by("pk").values_list("pk", "name", "code")
    return {pk: (name, code) for pk, name, code in rows}, {code: pk for pk, _, code in rows}


def _fold(text: str) -> str:
    """unicode61 removes Latin diacritics (é → e); text without any is returned as it is."""
    if unicodedata.is_normalized("NFKD", text):
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fts5_documents() -> Iterator[Document]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid, title, body FROM {_TABLE} ORDER BY rowid")  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        for item_id, title, body in cursor:
            title_words = _UNICODE61.findall(_fold(title or ""))
            body_words = _UNICODE61.findall(_fold(body or ""))
            frequencies = Counter(body_words)
            for word in title_words:
                frequencies[word] += TITLE_WEIGHT
            yield item_id, frequencies, len(title_words) + len(body_words)


def _tsvector_documents() -> Iterator[Document]:
    """A tsvector's text form, 'word':1A,4A 'other':7: positions weighted A are the title's."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, document::text FROM {_TABLE} ORDER BY id")  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        for item_id, document in cursor:
            frequencies: Counter[str] = Counter()
            length = 0
            for match in _LEXEME.finditer(document):
                places = match.group(2).split(",") if match.group(2) else []
                titles = sum(1 for place in places if place.endswith("A"))
                word = match.group(1).replace("''", "'").replace("\\\\", "\\")
                frequencies[word] = titles * TITLE_WEIGHT + len(places) - titles
                length += len(places)
            yield item_id, frequencies, length


@memo.kept(seconds=search.RECHECK_SECONDS, revision=_read_stamp)
def current() -> _Index:
    """This process's index, built again when the stamp changed (checked at most every RECHECK_SECONDS:
    one small query, then none until the next check): the public items, their themes and the database
    index's words, every word's postings ranked."""
    from yimen.catalog.models import ItemVersion, ServiceItem

    public = ServiceItem.objects.filter(current__isnull=False, retired_at__isnull=True).order_by("pk")
    columns = ["pk", "organisation_id", "current_id", *ITEM_FIELDS, *VERSION_FIELDS]
    shared: dict[str, str] = {}  # one string per repeated value: types, levels, units
    kept = [i for i, name in enumerate(columns) if name in _SHARED]
    rows = []
    for row in public.values_list(*columns, "current__for_person", "current__for_legal"):
        values = list(row)
        for i in kept:
            values[i] = shared.setdefault(values[i], values[i])
        rows.append(tuple(values))
    themes: dict[int, list[str]] = {}
    through = ItemVersion.themes.through.objects.filter(itemversion_id__in=public.values("current_id"))
    for version_id, code in through.values_list("itemversion_id", "theme__code"):
        themes.setdefault(version_id, []).append(code)
    index = _Index(rows, themes)
    index.rank(_tsvector_documents() if connection.vendor == "postgresql" else _fts5_documents())
    return index


def ranked(q: str, f: Narrowing | None, *, limit: int, offset: int = 0) -> tuple[list[Hit], int] | None:
    """One page of the public items holding every word of `q` (and let through by `f`), best first, and
    how many there are in all; None when a word is one only the database can look up."""
    search.teach_organisation_names()
    words = query_words(q)
    if not all(_ANSWERABLE.fullmatch(word) for word in words):
        return None
    if not words:
        return [], 0
    index, (names, ids) = current(), organisations()
    allowed = None if f is None else index.allowed(f, ids.get(f.organisation, -1) if f.organisation else None)
    found = index.matches(words, allowed)
    page = [index.rows[p] for p in found[offset : offset + max(limit, 0)]]
    return [(row, names.get(row[1], ("", ""))) for row in page], len(found)
