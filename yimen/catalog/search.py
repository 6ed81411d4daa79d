"""The catalogue's search index: one row per public item, rebuilt from its current version.

The database index is the source; searches are answered from its copy in memory (`search_memory`), which
every change here tells to rebuild (`search_memory.bump`, in the change's transaction)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, QuerySet

from yimen.catalog.models import ItemType, ItemVersion, ServiceItem
from yimen.core import memo, search, text
from yimen.org.models import Organisation

INDEX = "catalog_item"
RECHECK_SECONDS = 5.0


def _organisations_signature() -> tuple[int, int | None]:
    counted = Organisation.objects.aggregate(n=Count("id"), top=Max("id"))
    return counted["n"], counted["top"]


@memo.kept(seconds=RECHECK_SECONDS, revision=_organisations_signature)
def teach_organisation_names() -> None:
    """Keep organisation names and short names whole, in the index and in queries alike.

    The names are read again only when organisations were added (a cheap count and max id first, at most
    every RECHECK_SECONDS).
    """
    names: set[str] = set()
    for name, short in Organisation.objects.values_list("name", "short_name"):
        names.update(organisation_names(name, short))
    text.add_words(names)


def organisation_names(name: str, short_name: str) -> list[str]:
    """The names people use for an organisation: full, short, and without the city prefix."""
    city = name.split("市", 1)[0] + "市" if "市" in name[:4] else ""
    bare = name.removeprefix(city) if city else name
    return [n for n in dict.fromkeys((name, short_name, bare, "市" + bare if city else "")) if n]


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


def count(query: str, *, within: QuerySet[ServiceItem] | None = None) -> int:
    """How many public items (of `within`) match the query; the index holds exactly the public items."""
    teach_organisation_names()
    return search.match_count(INDEX, query, narrow=None if within is None else search.within(within))


def page_sql(
    query: str, *, limit: int, offset: int = 0, within: QuerySet[ServiceItem] | None = None
) -> tuple[str, list[Any]] | None:
    """SQL of one page of the matching public items (of `within`): columns id, score, total."""
    teach_organisation_names()
    narrow = None if within is None else search.within(within)
    return search.ranked_sql(INDEX, query, limit=limit, offset=offset, narrow=narrow)


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
