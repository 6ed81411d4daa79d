"""The service platform's figures a report quotes: items and guides in force, forms, windows and staff,
cases accepted and 即办件率, and publications by catalogue node. Each is one aggregate query; case
statistics are `cases.queries.stats`' own, not counted again here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from yimen.cases.queries import stats
from yimen.catalog.models import ItemType, Material, ServiceItem, VersionState
from yimen.org.models import Staff, Window
from yimen.publishing.models import Publication, PublicationState
from yimen.reports.scope import Year


def items_in_force(scope: Sequence[int], y: Year) -> QuerySet[ServiceItem]:
    """Items of the scope with a guide published before the year ended and not retired by then."""
    published = ServiceItem.objects.filter(
        versions__state__in=[VersionState.PUBLISHED, VersionState.SUPERSEDED],
        versions__published_at__lt=y.ends,
    ).values("pk")
    return ServiceItem.objects.filter(organisation_id__in=list(scope), pk__in=published).filter(
        Q(retired_at__isnull=True) | Q(retired_at__gte=y.ends)
    )


@dataclass(frozen=True)
class Catalogue:
    items: int
    licensing: int
    forms: int


def catalogue(scope: Sequence[int], y: Year) -> Catalogue:
    """事项 and 办事指南 in force at the year's end, 行政许可 among them, and the forms their guides offer
    (blank forms and filled-in samples, each file once)."""
    items = items_in_force(scope, y)
    found = items.aggregate(
        items=Count("pk"), licensing=Count("pk", filter=Q(current__item_type=ItemType.LICENSING))
    )
    materials = Material.objects.filter(
        version__item__in=items.values("pk"), version__state=VersionState.PUBLISHED
    )
    forms = (
        materials.filter(blank_form__isnull=False).values("blank_form_id").distinct().count()
        + materials.filter(sample__isnull=False).values("sample_id").distinct().count()
    )
    return Catalogue(items=found["items"], licensing=found["licensing"], forms=forms)


@dataclass(frozen=True)
class Hall:
    units: int
    windows: int
    staff: int


def hall(scope: Sequence[int]) -> Hall:
    """进驻单位 (organisations at an active window), windows and the staff seated at them, as they stand."""
    windows = Window.objects.filter(is_active=True, organisations__in=list(scope))
    units = (
        Window.organisations.through.objects.filter(window__is_active=True, organisation_id__in=list(scope))
        .values("organisation_id")
        .distinct()
        .count()
    )
    staff = (
        Staff.objects.filter(is_active=True, window__in=windows.values("pk")).values("pk").distinct().count()
    )
    return Hall(units=units, windows=windows.values("pk").distinct().count(), staff=staff)


def case_year(scope: Sequence[int], y: Year) -> stats.Row:
    """The year's 受理量, 办结量, 即办件率 and 按时办结率 of the scope, as 办件统计 defines them."""
    _, total = stats.case_stats(stats.StatsFilter(start=y.first, end=y.last, organisations=scope))
    return total


def publications_in(scope: Sequence[int], y: Year) -> QuerySet[Publication]:
    """What the scope published in the year and still shows (withdrawn ones are not counted)."""
    return Publication.objects.filter(
        organisation_id__in=list(scope),
        state=PublicationState.PUBLISHED,
        published_at__gte=y.starts,
        published_at__lt=y.ends,
    )


def publications_by_node(scope: Sequence[int], y: Year) -> list[tuple[str, int]]:
    """(top-level catalogue node, publications) for the year, largest first; one GROUP BY."""
    rows = (
        publications_in(scope, y)
        .values("node__parent__name", "node__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_top: dict[str, int] = {}
    for row in rows:
        name = row["node__parent__name"] or row["node__name"]
        by_top[name] = by_top.get(name, 0) + row["n"]
    return sorted(by_top.items(), key=lambda pair: (-pair[1], pair[0]))
