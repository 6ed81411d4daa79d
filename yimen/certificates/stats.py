"""电子证照免提交统计: 免提交材料数 per item and per organisation over a period, and the reform figures —
the materials an item's current guide lists against those a case actually had to submit once
certificates replaced some (the seed's 二手房: 25 → 9), computed from the cases themselves.

Every figure is a GROUP BY in the database: cases per (item, version), the required materials of those
versions, and the uses (用证记录) that replaced a material. Python only joins the grouped rows. A case
belongs to the period by its 申报时间 and to the organisation that handles it; `organisations` (None:
all) is what the reader may see (`org.permissions.organisations_for(staff, "stats.view")`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from yimen.cases.models import Case
from yimen.catalog.models import Material, ServiceItem
from yimen.certificates.models import CertificateUse
from yimen.org.models import Organisation


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )


def _cases(period: Period, organisations: Collection[int] | None) -> QuerySet[Case]:
    since, until = period.bounds()
    cases = Case.objects.filter(submitted_at__gte=since, submitted_at__lt=until)
    return cases if organisations is None else cases.filter(organisation_id__in=organisations)


def _uses(period: Period, organisations: Collection[int] | None) -> QuerySet[CertificateUse]:
    since, until = period.bounds()
    uses = CertificateUse.objects.exclude(material="").filter(
        case__submitted_at__gte=since, case__submitted_at__lt=until
    )
    return uses if organisations is None else uses.filter(case__organisation_id__in=organisations)


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ItemRow:
    item_id: int
    item: str
    organisation: str
    cases: int  # cases filed in the period
    reusing: int  # of which with at least one material replaced
    replaced: int  # 免提交材料数
    listed: int  # materials the current guide lists
    required: int  # of which 必要
    submitted: Decimal  # the 必要 materials a case of the period had to submit, on average, after reuse

    @property
    def saved(self) -> Decimal:
        """How many fewer than the current guide's 必要 materials a case submitted on average."""
        return _one_decimal(Decimal(self.required) - self.submitted)


def by_item(period: Period, organisations: Collection[int] | None) -> list[ItemRow]:
    """Per item with a material replaced in the period: cases, those reusing, 免提交材料数, and the
    reform figure — listed (current guide) → submitted on average (Σ over the period's cases of the 必要
    materials of the case's guide version, less the 必要 ones replaced, ÷ cases). Busiest reuse first."""
    uses = _uses(period, organisations)
    required_material = Material.objects.filter(
        version=OuterRef("case__version"), name=OuterRef("material"), required=True
    )
    replaced = {
        row["case__item"]: row
        for row in uses.values("case__item").annotate(
            replaced=Count("pk"),
            replaced_required=Count("pk", filter=Q(Exists(required_material))),
            reusing=Count("case", distinct=True),
        )
    }
    if not replaced:
        return []
    per_version = list(
        _cases(period, organisations)
        .filter(item_id__in=replaced)
        .values("item_id", "version_id")
        .annotate(cases=Count("pk"))
    )
    required_of = dict(
        Material.objects.filter(version_id__in={row["version_id"] for row in per_version}, required=True)
        .values("version_id")
        .annotate(n=Count("pk"))
        .values_list("version_id", "n")
    )
    cases: dict[int, int] = {}
    required_total: dict[int, int] = {}
    for row in per_version:
        item = row["item_id"]
        cases[item] = cases.get(item, 0) + row["cases"]
        required_total[item] = required_total.get(item, 0) + row["cases"] * required_of.get(
            row["version_id"], 0
        )
    items = (
        ServiceItem.objects.filter(pk__in=replaced)
        .values("pk", "current__name", "organisation__name")
        .annotate(
            listed=Count("current__materials"),
            required=Count("current__materials", filter=Q(current__materials__required=True)),
        )
    )
    rows = []
    for item in items:
        pk, n = item["pk"], cases.get(item["pk"], 0)
        if not n:
            continue
        needed = required_total.get(pk, 0) - replaced[pk]["replaced_required"]
        rows.append(
            ItemRow(
                item_id=pk,
                item=item["current__name"] or "",
                organisation=item["organisation__name"],
                cases=n,
                reusing=replaced[pk]["reusing"],
                replaced=replaced[pk]["replaced"],
                listed=item["listed"],
                required=item["required"],
                submitted=_one_decimal(Decimal(needed) / n),
            )
        )
    return sorted(rows, key=lambda r: (-r.replaced, r.item))


@dataclass(frozen=True)
class OrganisationRow:
    organisation_id: int
    organisation: str
    cases: int
    reusing: int
    replaced: int

    @property
    def share(self) -> Decimal:
        """The share of the period's cases with a material replaced, in per cent."""
        return _one_decimal(Decimal(self.reusing * 100) / self.cases) if self.cases else Decimal(0)


def by_organisation(period: Period, organisations: Collection[int] | None) -> list[OrganisationRow]:
    """Per organisation that handled a case in the period: cases, those with a material replaced, and
    免提交材料数. Most replaced first."""
    replaced = {
        row["case__organisation"]: row
        for row in _uses(period, organisations)
        .values("case__organisation")
        .annotate(replaced=Count("pk"), reusing=Count("case", distinct=True))
    }
    if not replaced:
        return []
    cases = dict(
        _cases(period, organisations)
        .filter(organisation_id__in=replaced)
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    names = dict(Organisation.objects.filter(pk__in=replaced).values_list("pk", "name"))
    rows = [
        OrganisationRow(
            organisation_id=pk,
            organisation=names.get(pk, ""),
            cases=cases.get(pk, 0),
            reusing=row["reusing"],
            replaced=row["replaced"],
        )
        for pk, row in replaced.items()
    ]
    return sorted(rows, key=lambda r: (-r.replaced, r.organisation))
