"""Lists of public items as plain rows: what the portal's results and the API's pages show of an item.

A search is counted, ranked and cut into pages by the catalogue's search in memory (`search_memory`),
without a query; a query with a word only the database can look up (xk-1) is ranked, counted and cut
by the database index, and the page's rows read in a second statement. Browsing without a query reads
the rows of a page from the items' table. Either way a list holds `ItemRow`s, never model instances.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, overload

from django.db import connection
from django.db.models import QuerySet, TextChoices

from yimen.catalog import search, search_memory
from yimen.catalog.models import ItemType, ItemVersion, Level, OnlineDepth, ServiceItem
from yimen.catalog.search_memory import ITEM_FIELDS, VERSION_FIELDS, Narrowing


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One public item in a list, with its current version's figures."""

    pk: int
    impl_code: str
    basic_code: str
    organisation_name: str
    organisation_code: str
    name: str
    version: int  # the current version's number
    item_type: str
    level: str
    visits: int
    online_depth: str
    promised_limit: Decimal
    promised_unit: str

    @classmethod
    def of(cls, item: ServiceItem, version: ItemVersion) -> ItemRow:
        return cls(
            item.pk,
            item.impl_code,
            item.basic_code,
            item.organisation.name,
            item.organisation.code,
            version.name,
            version.number,
            version.item_type,
            version.level,
            version.visits,
            version.online_depth,
            version.promised_limit,
            version.promised_unit,
        )

    @property
    def type_label(self) -> str:
        return _label(ItemType, self.item_type)

    @property
    def level_label(self) -> str:
        return _label(Level, self.level)

    @property
    def online_depth_label(self) -> str:
        return _label(OnlineDepth, self.online_depth)

    @property
    def is_immediate(self) -> bool:
        """即办件: a promised limit of 0 (当场办结)."""
        return self.promised_limit == 0


def _label(choices: type[TextChoices], value: str) -> str:
    """The choice's label, or the value itself when it is not one (as Django's get_FOO_display)."""
    return str(dict(choices.choices).get(value, value))


# The columns of an ItemRow, in its order, as the items' table names them.
ROW_COLUMNS = [
    "pk",
    *ITEM_FIELDS,
    "organisation__name",
    "organisation__code",
    *VERSION_FIELDS,
]
assert len(ROW_COLUMNS) == len(fields(ItemRow))
_VERSION_AT = 3 + len(ITEM_FIELDS)  # in a row of the search in memory: pk, organisation, version, …


def _remembered(row: tuple[Any, ...], organisation: tuple[str, str]) -> ItemRow:
    """A row of the search in memory, (pk, organisation_id, current_id, *ITEM_FIELDS, *VERSION_FIELDS)."""
    return ItemRow(*(row[0], *row[3:_VERSION_AT], *organisation, *row[_VERSION_AT:]))


class ItemRows(ABC):
    """A list of rows, counted and read a page at a time: wherever a QuerySet page is taken (Paginator,
    slicing, iteration, count())."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def page(self, start: int, stop: int) -> list[ItemRow]:
        """The rows from `start` up to `stop` (0 ≤ start < stop ≤ count)."""

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[ItemRow]:
        return iter(self[:])

    @overload
    def __getitem__(self, key: int) -> ItemRow: ...
    @overload
    def __getitem__(self, key: slice) -> list[ItemRow]: ...
    def __getitem__(self, key: int | slice) -> ItemRow | list[ItemRow]:
        if isinstance(key, int):
            found = self[key : key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        start, stop, step = key.indices(self.count())
        if step != 1:
            raise ValueError("ItemRows: no stepped slices")
        return self.page(start, stop) if stop > start else []


class ListedItems(ItemRows):
    """The items of a QuerySet in its order, a page's rows read in one statement."""

    def __init__(self, items: QuerySet[ServiceItem]):
        self.items = items
        self.total: int | None = None

    def count(self) -> int:
        if self.total is None:
            self.total = self.items.count()
        return self.total

    def page(self, start: int, stop: int) -> list[ItemRow]:
        return [ItemRow(*values) for values in self.items.values_list(*ROW_COLUMNS)[start:stop]]


class RankedItems(ItemRows):
    """Search results in relevance order, counted; the first page comes with the count."""

    def __init__(self, q: str, narrowing: Narrowing | None, first: list[ItemRow], total: int):
        self.q, self.narrowing, self.first, self.total = q, narrowing, first, total

    def count(self) -> int:
        return self.total

    def page(self, start: int, stop: int) -> list[ItemRow]:
        if stop <= len(self.first) or len(self.first) == self.total:
            return self.first[start:stop]
        return search_page(self.q, self.narrowing, limit=stop - start, offset=start)[0]


def search_page(
    q: str, narrowing: Narrowing | None, *, limit: int, offset: int = 0
) -> tuple[list[ItemRow], int]:
    """One page of the public items (let through by `narrowing`) matching `q`, best first, and how many
    match in all."""
    found = search_memory.ranked(q, narrowing, limit=limit, offset=offset)
    if found is None:
        return _database_page(q, narrowing, limit=limit, offset=offset)
    return [_remembered(row, organisation) for row, organisation in found[0]], found[1]


def _database_page(
    q: str, narrowing: Narrowing | None, *, limit: int, offset: int = 0
) -> tuple[list[ItemRow], int]:
    """The database index ranks, counts and cuts the page; the page's rows are read by id. Past the last
    page the count is counted apart. With a narrowing, every hit is ranked and those the narrowing lets
    through are kept (this path answers only words the copy in memory cannot, so hits are few)."""
    from yimen.catalog.queries import narrowed, published

    within = None if narrowing is None else narrowed(narrowing)
    if within is None:
        hits = search.page_sql(q, limit=limit, offset=offset)
        if hits is None:
            return [], 0
        with connection.cursor() as cursor:
            cursor.execute(*hits)
            ranked = cursor.fetchall()
        if not ranked:
            return [], search.count(q) if offset else 0
        page, total = [pk for pk, _, _ in ranked], ranked[0][2]
    else:
        allowed = set(within.values_list("pk", flat=True))
        kept = [pk for pk in search.ranked_ids(q) if pk in allowed]
        page, total = kept[offset : offset + limit], len(kept)
    rows = {
        values[0]: ItemRow(*values) for values in published().filter(pk__in=page).values_list(*ROW_COLUMNS)
    }
    return [rows[pk] for pk in page if pk in rows], total
