"""Reads of the catalogue that the portal, the office, the API and documents share."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from yimen.catalog.limits import format_limit
from yimen.catalog.models import GUIDE_FIELDS, ItemVersion, Material, ServiceItem, Theme, VersionState
from yimen.catalog.results import ItemRows, ListedItems, RankedItems, search_page
from yimen.catalog.search_memory import LIST_FIELDS, Narrowing
from yimen.core import memo
from yimen.org.models import Organisation, Staff, Window
from yimen.org.permissions import organisations_for_any


@dataclass(frozen=True)
class ItemFilter:
    organisation: str = ""  # Organisation.code
    item_type: str = ""
    theme: str = ""  # Theme.code
    level: str = ""
    audience: str = ""  # person | legal
    q: str = ""


def published() -> QuerySet[ServiceItem]:
    """Every published, not retired item, in catalogue order."""
    return (
        ServiceItem.objects.filter(current__isnull=False, retired_at__isnull=True)
        .select_related("organisation", "current")
        .order_by("organisation__code", "impl_code")
    )


# Search results fetched with their count: the portal's page size.
FIRST_PAGE = 20


def _narrowed(items: QuerySet[ServiceItem], f: Narrowing) -> QuerySet[ServiceItem]:
    if f.organisation:
        items = items.filter(organisation__code=f.organisation)
    if f.item_type:
        items = items.filter(current__item_type=f.item_type)
    if f.level:
        items = items.filter(current__level=f.level)
    if f.theme:
        items = items.filter(current__themes__code=f.theme)
    if f.audience == "person":
        items = items.filter(current__for_person=True)
    elif f.audience == "legal":
        items = items.filter(current__for_legal=True)
    return items


def narrowed(f: Narrowing) -> QuerySet[ServiceItem] | None:
    """The public items the filter's organisation, type, level, theme and audience let through (None
    when it sets none of them): for the database's search, which keeps the hits among them."""
    if not any([f.organisation, f.item_type, f.level, f.theme, f.audience in ("person", "legal")]):
        return None
    return _narrowed(published().only(*LIST_FIELDS), f)


def public_items(f: ItemFilter | None = None) -> ItemRows:
    """Published, not retired items matching the filter, as list rows; a query `q` orders by relevance.

    A query is answered by the catalogue's search in memory, filters included (`results.search_page`).
    """
    f = f or ItemFilter()
    q = f.q.strip()
    if q:
        first, total = search_page(q, f, limit=FIRST_PAGE)
        if total or len(q) > 2:
            return RankedItems(q, f, first, total)
    items = _narrowed(published(), f)
    if not q:
        return ListedItems(items.order_by("organisation__code", "impl_code"))
    # A one- or two-character query the segmenter keeps inside longer words: match the name.
    return ListedItems(items.filter(current__name__icontains=q).order_by("impl_code"))


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


def current_version_id(impl_code: str) -> int | None:
    """The current version of a public item (None when the code is unknown, unpublished or retired):
    one indexed lookup, the cheapest question a kept guide page has to ask."""
    public = ServiceItem.objects.filter(impl_code=impl_code, retired_at__isnull=True, current__isnull=False)
    return public.values_list("current_id", flat=True).first()


# A rendered guide shows names kept in other records; they are digested at most this often per process.
NAMES_RECHECK_SECONDS = 5.0


@memo.kept(seconds=NAMES_RECHECK_SECONDS)
def names_revision() -> str:
    """A digest of what a rendered guide shows from other records: organisations (with the centre's
    address, hours and phones), windows and themes. A page rendered under another digest is stale.

    Read again at most every NAMES_RECHECK_SECONDS (three small queries), so an edit shows within that.
    """
    digest = hashlib.blake2b(digest_size=8)
    for rows in (
        Organisation.objects.order_by("pk").values_list(
            "pk",
            "name",
            "short_name",
            "kind",
            "is_active",
            "region_id",
            "address",
            "office_hours",
            "contact_phone",
            "supervision_phone",
        ),
        Window.objects.order_by("pk").values_list("pk", "number", "name", "is_active"),
        Theme.objects.order_by("pk").values_list("pk", "name"),
    ):
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def forget_names() -> None:
    """Digest the names again on the next call (after an edit that must show at once)."""
    names_revision.forget()


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


# --- who sees which versions in the office ------------------------------------------------------------

OFFICE_ACTIONS = ("item.edit", "item.legal_review", "item.reform_review")


def versions_visible_to(staff: Staff, *actions: str) -> QuerySet[ItemVersion]:
    """Item versions of the organisations where `staff` holds one of `actions` (by default any catalogue
    role): a version's pages and the review queues; one not here does not exist for them (404)."""
    reach = organisations_for_any(staff, actions or OFFICE_ACTIONS)
    found = ItemVersion.objects.all()
    return found if reach is None else found.filter(item__organisation_id__in=reach)
