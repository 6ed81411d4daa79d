"""The catalogue's search index: one row per public item, rebuilt from its current version.

The database index is the source; searches are answered from its copy in memory (`search_memory`), which
every change here tells to rebuild (`search_memory.bump`, in the change's transaction)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Max, QuerySet

from yimen.catalog.models import ItemType, ItemVersion, ServiceItem
from yimen.core import search, text
from yimen.org.names import organisation_names

INDEX = "catalog_item"
RECHECK_SECONDS = 5.0  # how soon another process's change to the index shows here (search_memory)


def teach_organisation_names() -> None:
    """Keep organisation names and short names whole, in the index and in queries alike (org feeds them
    to core.text)."""
    text.teach(text.ORGANISATION_NAMES)


def item_names_signature() -> tuple[int, int | None]:
    """Changes when an item is published, gets a new version or goes."""
    counted = ServiceItem.objects.filter(current__isnull=False).aggregate(
        n=Count("id"), top=Max("current_id")
    )
    return counted["n"], counted["top"]


def item_names() -> Iterator[list[str]]:
    """The current public items' names as searched words (core.text's taught words): the name before any
    bracket (不动产转移登记（二手房买卖）→ 不动产转移登记), if it has 4 to 16 characters."""
    names = public_items().values_list("current__name", flat=True).distinct()
    for name in names:
        term = re.split(r"[（(]", name, maxsplit=1)[0].strip()
        if 4 <= len(term) <= 16:
            yield [term]


def document(item: ServiceItem, version: ItemVersion) -> tuple[str, str]:
    """(title, body) of the item as searched: the name first, then what a citizen would type."""
    organisation = item.organisation
    parts = [
        *organisation_names(organisation.name, organisation.short_name),
        ItemType(version.item_type).label,
        " ".join(version.themes.values_list("name", flat=True)),
        " ".join(version.business_types or []),
        version.conditions,
        " ".join(version.materials.values_list("name", flat=True)),
        " ".join((b or {}).get("law", "") for b in version.legal_basis or []),
        " ".join((f or {}).get("q", "") for f in version.faq or []),
        item.impl_code,
        item.basic_code,
    ]
    return version.name, " ".join(p for p in parts if p)


def _changed() -> None:
    from yimen.catalog import search_memory

    search_memory.bump()


def _upsert(item: ServiceItem, version: ItemVersion) -> None:
    teach_organisation_names()
    search.upsert(INDEX, item.pk, *document(item, version))


def index_item(item: ServiceItem, version: ItemVersion) -> None:
    _upsert(item, version)
    _changed()


def remove_item(item: ServiceItem) -> None:
    search.delete(INDEX, item.pk)
    _changed()


def count(query: str) -> int:
    """How many public items match the query; the index holds exactly the public items."""
    teach_organisation_names()
    return search.match_count(INDEX, query)


def page_sql(query: str, *, limit: int, offset: int = 0) -> tuple[str, list[Any]] | None:
    """SQL of one page of the matching public items: columns id, score, total."""
    teach_organisation_names()
    return search.ranked_sql(INDEX, query, limit=limit, offset=offset)


def ranked_ids(query: str) -> list[int]:
    """Every matching public item, best first."""
    teach_organisation_names()
    return search.ranked_ids(INDEX, query)


def public_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(current__isnull=False, retired_at__isnull=True)


def reindex() -> tuple[int, int]:
    """Rebuild the whole index from the current versions: (items indexed, rows in the index)."""
    search.clear(INDEX)
    count = 0
    for item in public_items().select_related("organisation", "current").iterator(chunk_size=500):
        assert item.current is not None
        _upsert(item, item.current)
        count += 1
    _changed()
    return count, search.count(INDEX)
