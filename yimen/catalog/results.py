"""Search results: counted, ranked and cut into pages by the catalogue's search in memory
(`search_memory`), and made into items that carry what a list shows, without a query.

A query with a word only the database can look up (xk-1) is answered as before: the database index
ranks, counts and cuts the page, and the rows are joined to it, one statement a page.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar, overload

from django.db import connection
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler

from yimen.catalog import search, search_memory
from yimen.catalog.models import ItemVersion, ServiceItem
from yimen.catalog.search_memory import ITEM_FIELDS, LIST_FIELDS, VERSION_FIELDS, Narrowing
from yimen.org.models import Organisation

__all__ = ["LIST_FIELDS", "RankedItems", "search_page"]

M = TypeVar("M", bound=Model)


class RankedItems:
    """Search results in relevance order, counted, a page at a time.

    Works wherever a QuerySet page is taken (Paginator, slicing, iteration, count()). The first page
    comes with the count. Rows carry the LIST_FIELDS only, like `published().only(*LIST_FIELDS)`; any
    other field loads on first access.
    """

    def __init__(self, q: str, narrowing: Narrowing | None, first: list[ServiceItem], total: int):
        self.q, self.narrowing, self.first, self.total = q, narrowing, first, total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[ServiceItem]:
        return iter(self[:])

    @overload
    def __getitem__(self, key: int) -> ServiceItem: ...
    @overload
    def __getitem__(self, key: slice) -> list[ServiceItem]: ...
    def __getitem__(self, key: int | slice) -> ServiceItem | list[ServiceItem]:
        if isinstance(key, int):
            found = self[key : key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        start, stop, step = key.indices(self.total)
        if step != 1:
            raise ValueError("RankedItems: no stepped slices")
        if stop <= len(self.first) or len(self.first) == self.total:
            return self.first[start:stop]
        return search_page(self.q, self.narrowing, limit=stop - start, offset=start)[0]


def _loaded(model: type[M], db: str, values: dict[str, Any]) -> M:
    """An instance as `only()` leaves one: these fields set, the others read on first access."""
    instance = model.__new__(model)
    instance._state = ModelState()
    instance._state.adding, instance._state.db = False, db
    instance.__dict__.update(values)
    return instance


_ITEM_NAMES = ["id", "organisation_id", "current_id", *ITEM_FIELDS]
_VERSION_NAMES = [name.removeprefix("current__") for name in VERSION_FIELDS]
_VERSION_AT = len(_ITEM_NAMES)


def _item(db: str, row: tuple[Any, ...], organisation: tuple[str, str]) -> ServiceItem:
    """A result row, (pk, organisation_id, current_id, *ITEM_FIELDS, *VERSION_FIELDS), as an item with
    its organisation and current version loaded."""
    item = _loaded(ServiceItem, db, dict(zip(_ITEM_NAMES, row, strict=False)))
    cache = item._state.fields_cache
    cache["organisation"] = _loaded(
        Organisation, db, {"id": row[1], "name": organisation[0], "code": organisation[1]}
    )
    version = dict(zip(_VERSION_NAMES, row[_VERSION_AT:], strict=True))
    version["id"], version["item_id"] = row[2], row[0]
    cache["current"] = _loaded(ItemVersion, db, version)
    return item


def search_page(
    q: str, narrowing: Narrowing | None, *, limit: int, offset: int = 0
) -> tuple[list[ServiceItem], int]:
    """One page of the public items (let through by `narrowing`) matching `q`, best first, and how many
    match in all."""
    found = search_memory.ranked(q, narrowing, limit=limit, offset=offset)
    if found is None:
        return _database_page(q, narrowing, limit=limit, offset=offset)
    db = connection.alias
    return [_item(db, row, organisation) for row, organisation in found[0]], found[1]


# --- the database's answer, for words the memory cannot look up --------------------------------------

_COLUMNS = ["pk", "organisation_id", "current_id", *ITEM_FIELDS, *VERSION_FIELDS]


@functools.cache
def _rows_statement(alias: str) -> tuple[str, list[Any], SQLCompiler, dict[int, Any]]:
    """SELECT of the result rows whose ids the `hits` CTE holds, compiled once per database."""
    from yimen.catalog.queries import published

    columns = [*_COLUMNS, "organisation__name", "organisation__code"]
    rows = published().filter(pk__in=RawSQL("SELECT id FROM hits", ())).order_by().values_list(*columns)
    compiler = rows.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    return sql, list(params), compiler, converters


def _database_page(
    q: str, narrowing: Narrowing | None, *, limit: int, offset: int = 0
) -> tuple[list[ServiceItem], int]:
    """One statement: the database index ranks, counts and cuts the page, the rows are joined to it. The
    count comes with the rows, so past the last page it is counted apart."""
    from yimen.catalog.queries import narrowed

    within = None if narrowing is None else narrowed(narrowing)
    hits = search.page_sql(q, limit=limit, offset=offset, within=within)
    if hits is None:
        return [], 0
    db = connection.alias
    rows_sql, rows_params, compiler, converters = _rows_statement(db)
    sql = (
        f"WITH hits AS ({hits[0]}) SELECT page.*, hits.total FROM ({rows_sql}) page "
        "JOIN hits ON hits.id = page.pk ORDER BY hits.score, hits.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*hits[1], *rows_params])
        rows: Iterable[Any] = cursor.fetchall()
    if converters:
        rows = compiler.apply_converters(rows, converters)
    items, total = [], 0
    for row in rows:
        *values, name, code, total = row  # each row carries the count
        items.append(_item(db, tuple(values), (name, code)))
    if not items and offset:
        total = search.count(q, within=within)
    return items, total
