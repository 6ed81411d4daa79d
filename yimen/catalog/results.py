"""Search results: counted, ranked and cut into pages by the database, one statement a page, and
read straight into items that carry what a list shows."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar, overload

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler

from yimen.catalog import search
from yimen.catalog.models import ItemVersion, ServiceItem
from yimen.org.models import Organisation

M = TypeVar("M", bound=Model)

# What a list of items shows (portal results, API pages): reading only these keeps a page cheap.
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


class RankedItems:
    """Search results in relevance order: counted, ranked and cut into pages by the database.

    Works wherever a QuerySet page is taken (Paginator, slicing, iteration, count()). The first page
    comes with the count, in the same statement. Rows carry the LIST_FIELDS only, like
    `published().only(*LIST_FIELDS)`; any other field loads on first access.
    """

    def __init__(self, q: str, within: QuerySet[ServiceItem] | None, first: list[ServiceItem], total: int):
        self.q, self.within, self.first, self.total = q, within, first, total

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
        return search_page(self.q, self.within, limit=stop - start, offset=start)[0]


# Where each LIST_FIELDS column goes: the item (0), its organisation (1) or its current version (2).
_PLACES = [
    (
        ["", "organisation", "current"].index(name.partition("__")[0]) if "__" in name else 0,
        name.split("__")[-1],
    )
    for name in LIST_FIELDS
]


@functools.cache
def _rows_statement(alias: str) -> tuple[str, list[Any], SQLCompiler, dict[int, Any]]:
    """SELECT of the result rows whose ids the `hits` CTE holds, compiled once per database."""
    from yimen.catalog.queries import published  # which reads this module's LIST_FIELDS

    columns = ["pk", "organisation_id", "current_id", *LIST_FIELDS]
    rows = published().filter(pk__in=RawSQL("SELECT id FROM hits", ())).order_by().values_list(*columns)
    compiler = rows.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    return sql, list(params), compiler, converters


def _loaded(model: type[M], db: str, values: dict[str, Any]) -> M:
    """An instance as `only()` leaves one: these fields set, the others read on first access."""
    instance = model.__new__(model)
    instance._state = ModelState()
    instance._state.adding, instance._state.db = False, db
    instance.__dict__.update(values)
    return instance


def search_page(
    q: str, within: QuerySet[ServiceItem] | None, *, limit: int, offset: int = 0
) -> tuple[list[ServiceItem], int]:
    """One page of the public items (of `within`) matching `q`, best first, and how many match in all.

    One statement: the index ranks, counts and cuts the page, the rows are joined to it. The count
    comes with the rows, so past the last page it is counted apart.
    """
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
        pk, organisation_id, current_id, *values, total = row  # each row carries the count
        fields: tuple[dict[str, Any], ...] = (
            {"id": pk, "organisation_id": organisation_id, "current_id": current_id},
            {"id": organisation_id},
            {"id": current_id, "item_id": pk},
        )
        for (place, name), value in zip(_PLACES, values, strict=True):
            fields[place][name] = value
        item = _loaded(ServiceItem, db, fields[0])
        item._state.fields_cache["organisation"] = _loaded(Organisation, db, fields[1])
        item._state.fields_cache["current"] = _loaded(ItemVersion, db, fields[2])
        items.append(item)
    if not items and offset:
        total = search.count(q, within=within)
    return items, total
