"""The names people use for an organisation, which searches keep whole (core.text's taught words)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Max

from yimen.org.models import Organisation


def organisation_names(name: str, short_name: str) -> list[str]:
    """The names people use for an organisation: full, short, and without the city prefix."""
    city = name.split("市", 1)[0] + "市" if "市" in name[:4] else ""
    bare = name.removeprefix(city) if city else name
    return [n for n in dict.fromkeys((name, short_name, bare, "市" + bare if city else "")) if n]


def signature() -> tuple[int, int | None]:
    """Changes when an organisation is added or removed (a rename is taught when the next one is)."""
    counted = Organisation.objects.aggregate(n=Count("id"), top=Max("id"))
    return counted["n"], counted["top"]


def taught_names() -> Iterator[list[str]]:
    """Each organisation's full name, then its other names."""
    for name, short in Organisation.objects.values_list("name", "short_name"):
        yield organisation_names(name, short)
