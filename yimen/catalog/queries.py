"""Reads of the catalogue that the portal, the office, the API and documents share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, overload

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from yimen.catalog import search
from yimen.catalog.limits import format_limit
from yimen.catalog.models import GUIDE_FIELDS, ItemVersion, Material, ServiceItem, Theme, VersionState


@dataclass(frozen=True)
class ItemFilter:
    organisation: str = ""  # Organisation.code
    item_type: str = ""
    theme: str = ""  # Theme.code
    level: str = ""
    audience: str = ""  # person | legal
    q: str = ""


class RankedItems:
    """Search results in relevance order: counted from the index's ids, fetched a page at a time.

    Works wherever a QuerySet page is taken (Paginator, slicing, iteration, count()).
    """

    def __init__(self, base: QuerySet[ServiceItem], ids: list[int]):
        self.base, self.ids = base, ids

    def count(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[ServiceItem]:
        return iter(self[:])

    @overload
    def __getitem__(self, key: int) -> ServiceItem: ...
    @overload
    def __getitem__(self, key: slice) -> list[ServiceItem]: ...
    def __getitem__(self, key: int | slice) -> ServiceItem | list[ServiceItem]:
        if isinstance(key, int):
            return self[key : key + 1][0]
        page = self.ids[key]
        found = self.base.in_bulk(page)
        return [found[pk] for pk in page if pk in found]


def published() -> QuerySet[ServiceItem]:
    """Every published, not retired item, in catalogue order."""
    return (
        ServiceItem.objects.filter(current__isnull=False, retired_at__isnull=True)
        .select_related("organisation", "current")
        .order_by("organisation__code", "impl_code")
    )


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


def public_items(f: ItemFilter | None = None) -> QuerySet[ServiceItem] | RankedItems:
    """Published, not retired items matching the filter; a query `q` orders by relevance."""
    f = f or ItemFilter()
    items = published().only(*LIST_FIELDS)
    filtered = False
    if f.organisation:
        items, filtered = items.filter(organisation__code=f.organisation), True
    if f.item_type:
        items, filtered = items.filter(current__item_type=f.item_type), True
    if f.level:
        items, filtered = items.filter(current__level=f.level), True
    if f.theme:
        items, filtered = items.filter(current__themes__code=f.theme), True
    if f.audience == "person":
        items, filtered = items.filter(current__for_person=True), True
    elif f.audience == "legal":
        items, filtered = items.filter(current__for_legal=True), True
    if not f.q.strip():
        return items.order_by("organisation__code", "impl_code")
    ids = search.matching_ids(f.q)
    if not ids and len(f.q.strip()) <= 2:
        # A one- or two-character query the segmenter keeps inside longer words: match the name.
        return items.filter(current__name__icontains=f.q.strip()).order_by("impl_code")
    if filtered and ids:
        # The index holds exactly the public items; other filters narrow its ranked ids in one query.
        allowed = set(items.filter(pk__in=ids).values_list("pk", flat=True))
        ids = [pk for pk in ids if pk in allowed]
    return RankedItems(items, ids)


def item_header(impl_code: str) -> ServiceItem | None:
    """An item with just what a guide page's frame shows (the body comes from the cache)."""
    return (
        ServiceItem.objects.select_related("organisation", "current")
        .only(
            "impl_code",
            "retired_at",
            "organisation__name",
            "organisation__code",
            "current__name",
            "current__number",
            "current__published_at",
            "current__online_url",
            "current__state",
        )
        .filter(impl_code=impl_code)
        .first()
    )


def item_by_code(impl_code: str) -> ServiceItem | None:
    return ServiceItem.objects.select_related("organisation", "current").filter(impl_code=impl_code).first()


def guide(version: ItemVersion) -> ItemVersion:
    """A version with everything its guide page shows, in a fixed number of queries."""
    return (
        ItemVersion.objects.select_related("item__organisation")
        .prefetch_related(
            Prefetch("materials", queryset=Material.objects.select_related("blank_form", "sample")),
            "steps",
            "fees",
            "themes",
            "windows",
        )
        .get(pk=version.pk)
    )


def history(item: ServiceItem) -> list[ItemVersion]:
    """变更记录: the published versions, newest first."""
    return list(
        item.versions.filter(state__in=[VersionState.PUBLISHED, VersionState.SUPERSEDED]).order_by("-number")
    )


def themes_by_audience() -> dict[str, list[Theme]]:
    themes: dict[str, list[Theme]] = {"person": [], "legal": []}
    for theme in Theme.objects.order_by("audience", "order"):
        themes[theme.audience].append(theme)
    return themes


def organisations_with_items() -> list[dict[str, Any]]:
    return list(
        ServiceItem.objects.filter(current__isnull=False, retired_at__isnull=True)
        .values("organisation__code", "organisation__name")
        .annotate(count=Count("id"))
        .order_by("organisation__code")
    )


# --- what changed between versions ------------------------------------------------------------

# Every field a guide shows; 变更说明 describes a change rather than being one.
DIFF_FIELDS = [name for name in GUIDE_FIELDS if name != "change_note"]


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _display(version: ItemVersion, name: str) -> str:
    value = getattr(version, name)
    choice = getattr(version, f"get_{name}_display", None)
    if choice is not None:
        return str(choice())
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "；".join(
            " ".join(str(v) for v in entry.values()) if isinstance(entry, dict) else str(entry)
            for entry in value
        )
    return "" if value is None else str(value)


def _label(name: str) -> str:
    return str(getattr(ItemVersion._meta.get_field(name), "verbose_name", name))


def diff(old: ItemVersion, new: ItemVersion) -> list[Change]:
    """Field by field, then the materials and steps that were added or removed."""
    changes = [
        Change(_label(name), _display(old, name), _display(new, name))
        for name in DIFF_FIELDS
        if _display(old, name) != _display(new, name)
    ]
    for label, before_names, after_names in [
        (
            "申请材料",
            list(old.materials.values_list("name", flat=True)),
            list(new.materials.values_list("name", flat=True)),
        ),
        (
            "办理环节",
            list(old.steps.values_list("name", flat=True)),
            list(new.steps.values_list("name", flat=True)),
        ),
    ]:
        removed = [n for n in before_names if n not in after_names]
        added = [n for n in after_names if n not in before_names]
        if removed or added:
            changes.append(
                Change(
                    label,
                    "删除：" + "、".join(removed) if removed else "",
                    "新增：" + "、".join(added) if added else "",
                )
            )
    return changes


@dataclass(frozen=True)
class ReformFigures:
    steps: tuple[int, int]
    promised: tuple[str, str]
    materials: tuple[int, int]
    visits: tuple[int, int]


def reform_figures(old: ItemVersion, new: ItemVersion) -> ReformFigures:
    """流程再造: 环节数, 承诺时限, 材料数, 到现场次数 before → after (the seed's 6→3, 14 日→半天, 25→9)."""
    return ReformFigures(
        steps=(old.step_count, new.step_count),
        promised=(
            format_limit(old.promised_limit, old.promised_unit),
            format_limit(new.promised_limit, new.promised_unit),
        ),
        materials=(old.material_count, new.material_count),
        visits=(old.visits, new.visits),
    )


def reform_summary(year: int | None = None) -> list[dict[str, Any]]:
    """Per organisation and year: how many items were reformed and what they cut, summed by the database."""
    reformed = ItemVersion.objects.filter(previous__isnull=False, published_at__isnull=False).filter(
        Q(step_count__lt=F("previous__step_count"))
        | Q(material_count__lt=F("previous__material_count"))
        | Q(visits__lt=F("previous__visits"))
        | Q(promised_workdays__lt=F("previous__promised_workdays"))
    )
    rows = reformed.annotate(year=ExtractYear("published_at", tzinfo=timezone.get_current_timezone()))
    if year is not None:
        rows = rows.filter(year=year)
    zero = Value(0)
    return list(
        rows.values("year", "item__organisation__code", "item__organisation__name")
        .annotate(
            items=Count("id"),
            steps_before=Coalesce(Sum("previous__step_count"), zero),
            steps_after=Coalesce(Sum("step_count"), zero),
            materials_before=Coalesce(Sum("previous__material_count"), zero),
            materials_after=Coalesce(Sum("material_count"), zero),
            visits_before=Coalesce(Sum("previous__visits"), zero),
            visits_after=Coalesce(Sum("visits"), zero),
            days_before=Coalesce(Sum("previous__promised_workdays"), Value(Decimal(0))),
            days_after=Coalesce(Sum("promised_workdays"), Value(Decimal(0))),
        )
        .order_by("-year", "item__organisation__code")
    )
