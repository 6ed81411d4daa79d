"""What pages read about 一件事: the published services and their guide (the parts, the single material
list, the promised time), the combined cases a staff member may open with their sub-cases and
certificates, and the figures per service — counted by the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404

from yimen.cases.queries.visibility import cases_visible_to
from yimen.catalog.models import Material
from yimen.certificates import reuse
from yimen.certificates.models import (
    Certificate,
    CombinedCase,
    CombinedCasePart,
    CombinedPart,
    CombinedResult,
    CombinedService,
    CombinedState,
)
from yimen.org.models import Staff
from yimen.org.permissions import can, organisations_for, organisations_for_any

# --- the guide ----------------------------------------------------------------------------------------


def published() -> QuerySet[CombinedService]:
    """The services the portal lists and takes applications for."""
    return CombinedService.objects.filter(state=CombinedState.PUBLISHED).select_related("organisation")


def published_by_code(code: str) -> CombinedService | None:
    return published().filter(code=code).first()


def parts_of(service: CombinedService) -> list[CombinedPart]:
    """The parts in order, each with its item's current guide and organisation."""
    return list(
        service.parts.select_related("item__current", "item__organisation", "after__item__current").order_by(
            "order", "pk"
        )
    )


@dataclass(frozen=True)
class CombinedMaterial:
    """One line of the single material list: a material one or several items need, asked once."""

    name: str
    material: Material  # the first item's entry: its form, source and condition as that guide words them
    required: bool  # 必要 for at least one of the items
    items: tuple[str, ...]  # the names of the items that need it

    @property
    def shared(self) -> bool:
        return len(self.items) > 1


def material_list(
    service: CombinedService, parts: Iterable[CombinedPart] | None = None
) -> list[CombinedMaterial]:
    """The union of the parts' current guides' materials, in the parts' order, a material of the same name
    listed once with every item that needs it (多证合一: shared materials asked once)."""
    parts = list(parts) if parts is not None else parts_of(service)
    names = {part.item.current_id: part.item.current.name for part in parts if part.item.current}
    order = {version: n for n, version in enumerate(names)}
    rows = sorted(
        Material.objects.filter(version_id__in=names),
        key=lambda m: (order[m.version_id], m.order, m.pk),
    )
    grouped: dict[str, list[Material]] = {}
    for material in rows:
        grouped.setdefault(material.name, []).append(material)
    return [
        CombinedMaterial(
            name=name,
            material=entries[0],
            required=any(m.required for m in entries),
            items=tuple(dict.fromkeys(names[m.version_id] for m in entries)),
        )
        for name, entries in grouped.items()
    ]


def promised_workdays(parts: Iterable[CombinedPart]) -> Decimal:
    """The promised time of the whole: a part finishes its own promised workdays after the part it follows
    finishes; parallel parts overlap. So parallel parts take the longest, serial ones add up."""
    by_id = {part.pk: part for part in parts}
    finish: dict[int, Decimal] = {}

    def end(part: CombinedPart, depth: int = 0) -> Decimal:
        if part.pk not in finish:
            own = part.item.current.promised_workdays if part.item.current else Decimal(0)
            before = by_id.get(part.after_id) if part.after_id else None
            # A loop cannot be saved (combined._check); the depth only guards the arithmetic.
            start = end(before, depth + 1) if before is not None and depth < len(by_id) else Decimal(0)
            finish[part.pk] = start + own
        return finish[part.pk]

    return max((end(part) for part in by_id.values()), default=Decimal(0))


def offered(
    lines: list[CombinedMaterial], parts: Iterable[CombinedPart], holder: tuple[str, str] | None
) -> list[reuse.Replacement]:
    """免提交 on the single list: each line one of the holder's live certificates replaces for one of the
    items, named by the line's own material (the form's field)."""
    if holder is None:
        return []
    found: dict[str, reuse.Replacement] = {}
    for part in parts:
        if part.item.current is not None:
            for replacement in reuse.replaceable(part.item.current, *holder):
                found.setdefault(replacement.material, replacement)
    return [
        dataclasses.replace(found[line.name], material_id=line.material.pk)
        for line in lines
        if line.name in found
    ]


# --- the office ---------------------------------------------------------------------------------------


def services_for(staff: Staff, *actions: str) -> QuerySet[CombinedService]:
    """The services whose lead organisation is within `staff`'s reach for one of `actions`."""
    reach = organisations_for_any(staff, actions)
    found = CombinedService.objects.select_related("organisation", "reviewed_by")
    return found if reach is None else found.filter(organisation_id__in=reach)


def combined_visible_to(staff: Staff) -> QuerySet[CombinedCase]:
    """The combined cases of which `staff` may open at least one sub-case (cases' one selector), and those
    they take in (一窗受理): the lead organisation's windows see its 一件事, the centre's 综合窗口 every one."""
    seen = CombinedCasePart.objects.filter(case__in=cases_visible_to(staff)).values("combined_id")
    found = CombinedCase.objects.select_related("service__organisation")
    window = staff.window
    if window is not None and window.is_comprehensive and can(staff, "case.intake"):
        return found
    intake = organisations_for(staff, "case.intake")
    if intake is None:
        return found
    return found.filter(Q(pk__in=seen) | Q(service__organisation_id__in=intake))


def combined_for(staff: Staff, pk: int) -> CombinedCase:
    """A combined case `staff` may open, or 404 (the same for an unknown one)."""
    found = combined_visible_to(staff).filter(pk=pk).first()
    if found is None:
        raise Http404("没有这个一件事办件")
    return found


def sub_cases(combined: CombinedCase) -> list[CombinedCasePart]:
    return list(
        combined.parts.select_related(
            "part__after__item__current", "case__version", "case__organisation"
        ).order_by("part__order", "pk")
    )


def certificates_of(combined: CombinedCase) -> QuerySet[Certificate]:
    """Every certificate its sub-cases issued: delivered together on the combined case's page."""
    return (
        Certificate.objects.filter(case__combined_part__combined=combined)
        .select_related("type", "case")
        .order_by("case__combined_part__part__order", "pk")
    )


@dataclass(frozen=True)
class Figures:
    applications: int = 0
    concluded: int = 0
    all_issued: int = 0  # concluded with every part 出证办结
    average_days: Decimal | None = None  # from filing to the last sub-case's conclusion, calendar days
    certificates: int = 0


def _days(duration: timedelta | None) -> Decimal | None:
    if duration is None:
        return None
    return (Decimal(duration.total_seconds()) / Decimal(86400)).quantize(Decimal("0.1"))


def figures(service_ids: Iterable[int]) -> dict[int, Figures]:
    """Per service: applications, concluded, 全部出证, the average days to conclusion and the certificates
    issued — two GROUP BY queries, whatever the number of cases."""
    ids = list(service_ids)
    took = ExpressionWrapper(F("concluded_at") - F("submitted_at"), output_field=DurationField())
    rows = (
        CombinedCase.objects.filter(service_id__in=ids)
        .values("service_id")
        .annotate(
            applications=Count("pk"),
            concluded=Count("pk", filter=Q(concluded_at__isnull=False)),
            all_issued=Count("pk", filter=Q(result=CombinedResult.ALL)),
            took=Avg(took, filter=Q(concluded_at__isnull=False)),
        )
        .order_by()
    )
    issued = dict(
        Certificate.objects.filter(case__combined_part__combined__service_id__in=ids)
        .values_list("case__combined_part__combined__service_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("case__combined_part__combined__service_id", "n")
    )
    found = {
        row["service_id"]: Figures(
            applications=row["applications"],
            concluded=row["concluded"],
            all_issued=row["all_issued"],
            average_days=_days(row["took"]),
            certificates=issued.get(row["service_id"], 0),
        )
        for row in rows
    }
    return {pk: found.get(pk, Figures()) for pk in ids}
