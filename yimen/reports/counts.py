"""The annual report's figures, counted by the database (docs/annual-report-rules.md).

Each function is one GROUP BY or one conditional aggregate over the organisations of the report's scope
and its year. Table 二's 规章 and 行政规范性文件 are publishing's (`publishing.queries.annual_counts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from yimen.cases.models import Case, Result
from yimen.catalog.models import ItemType
from yimen.disclosure.models import Appeal, AppealResult, DisclosureRequest, FeeNotice, Outcome
from yimen.reports.models import EnforcementKind, EnforcementRecord
from yimen.reports.scope import Year

TEN_THOUSAND = Decimal(10_000)
CENT = Decimal("0.01")
# 行政许可 本年处理决定数量: a decision either way; 退件, 作废, 转报 and 不予受理 are not decisions.
LICENSING_DECISIONS = (Result.ISSUED, Result.DENIED)


# --- Table 三 ---------------------------------------------------------------------------------------


def requests_in(scope: Sequence[int]) -> QuerySet[DisclosureRequest]:
    return DisclosureRequest.objects.filter(organisation_id__in=list(scope))


def request_row_filters(y: Year) -> dict[str, Q]:
    """The rows of table 三 that are not outcomes, each as the condition a request meets to be counted."""
    open_at_start = Q(closed_on__isnull=True) | Q(closed_on__gte=y.first)
    open_at_end = Q(closed_on__isnull=True) | Q(closed_on__gt=y.last)
    return {
        "new": Q(received_on__gte=y.first, received_on__lte=y.last),
        "carried_in": Q(received_on__lt=y.first) & open_at_start,
        "carried_out": Q(received_on__lte=y.last) & open_at_end,
    }


def closed_in(y: Year) -> Q:
    """Decided in the year: its closing date (the reply, or the closure as 其他处理) falls in it."""
    return Q(closed_on__gte=y.first, closed_on__lte=y.last)


def request_cells(scope: Sequence[int], y: Year) -> list[dict[str, Any]]:
    """One row per (applicant type, outcome): how many were new, carried in, decided in the year and
    carried out. One GROUP BY; the table is assembled from these rows."""
    rows = request_row_filters(y)
    relevant = (
        Q(received_on__lte=y.last) & (Q(closed_on__isnull=True) | Q(closed_on__gte=y.first))
    ) | closed_in(y)
    return list(
        requests_in(scope)
        .filter(relevant)
        .values("applicant_type", "outcome")
        .annotate(
            new=Count("pk", filter=rows["new"]),
            carried_in=Count("pk", filter=rows["carried_in"]),
            decided=Count("pk", filter=closed_in(y)),
            carried_out=Count("pk", filter=rows["carried_out"]),
        )
        .order_by()
    )


def suspect_requests(scope: Sequence[int], y: Year) -> QuerySet[DisclosureRequest]:
    """Requests that break 一 + 二 = （七）总计 + 四 in their column: decided in the year without one of
    table 三's outcomes, decided in the year but received after it, or received in the year and closed
    before it began. Any other request adds the same to both sides (see the rules' worked derivation)."""
    decided = closed_in(y)
    bad = (decided & (~Q(outcome__in=Outcome.values) | Q(received_on__gt=y.last))) | Q(
        closed_on__lt=y.first, received_on__gte=y.first, received_on__lte=y.last
    )
    return requests_in(scope).filter(bad).order_by("received_on", "pk")


def answered_on_time(scope: Sequence[int], y: Year) -> dict[str, int]:
    """Requests decided in the year, and how many of them by their stored reply deadline."""
    return requests_in(scope).aggregate(
        decided=Count("pk", filter=closed_in(y)),
        on_time=Count("pk", filter=closed_in(y) & Q(closed_on__lte=F("due_on"))),
    )


@dataclass(frozen=True)
class Fees:
    notices: int
    paid: int
    amount: Decimal  # 元


def fees(scope: Sequence[int], y: Year) -> Fees:
    """信息处理费 collected in the year (国办函〔2020〕109号): fee notices paid in it, and their total."""
    found = FeeNotice.objects.filter(request__organisation_id__in=list(scope)).aggregate(
        notices=Count("pk", filter=Q(issued_on__gte=y.first, issued_on__lte=y.last)),
        paid=Count("pk", filter=Q(paid_on__gte=y.first, paid_on__lte=y.last)),
        amount=Sum("amount", filter=Q(paid_on__gte=y.first, paid_on__lte=y.last)),
    )
    return Fees(found["notices"], found["paid"], found["amount"] or Decimal(0))


# --- Table 四 ---------------------------------------------------------------------------------------


def appeals_in(scope: Sequence[int], y: Year) -> QuerySet[Appeal]:
    """Appeals counted in the year: those filed in it."""
    return Appeal.objects.filter(organisation_id__in=list(scope), filed_on__gte=y.first, filed_on__lte=y.last)


def decided_by(y: Year) -> Q:
    """The appeal had its result by 31 December of the year; otherwise it is 尚未审结 in that year's table."""
    return Q(decided_on__lte=y.last) & ~Q(result="")


def appeal_cells(scope: Sequence[int], y: Year) -> dict[str, dict[str, int]]:
    """{kind: {result or "pending": count, "total": count}}: one GROUP BY over the kind."""
    known = decided_by(y)
    results = {value: Count("pk", filter=known & Q(result=value)) for value in AppealResult.values}
    found = (
        appeals_in(scope, y)
        .values("kind")
        .annotate(**results, pending=Count("pk", filter=~known), total=Count("pk"))
        .order_by()
    )
    return {row.pop("kind"): row for row in found}


# --- Table 二 (the rows Yimen records itself, and the ones entered or imported) ---------------------


def licensing_decisions(scope: Sequence[int], y: Year) -> QuerySet[Case]:
    """Cases of 行政许可 items of the scope concluded in the year with a decision (出证办结 or 不予许可)."""
    return Case.objects.filter(
        organisation_id__in=list(scope),
        concluded_at__gte=y.starts,
        concluded_at__lt=y.ends,
        result__in=LICENSING_DECISIONS,
        version__item_type=ItemType.LICENSING,
    )


def enforcement_in(scope: Sequence[int], y: Year, kind: str) -> QuerySet[EnforcementRecord]:
    return EnforcementRecord.objects.filter(
        organisation_id__in=list(scope), kind=kind, decided_on__gte=y.first, decided_on__lte=y.last
    )


def enforcement_figures(scope: Sequence[int], y: Year) -> dict[str, Decimal | int]:
    """行政处罚 and 行政强制 decisions (counts) and 行政事业性收费 (万元, two decimals) in the year."""
    dated = Q(decided_on__gte=y.first, decided_on__lte=y.last)
    found = EnforcementRecord.objects.filter(dated, organisation_id__in=list(scope)).aggregate(
        penalty=Count("pk", filter=Q(kind=EnforcementKind.PENALTY)),
        coercion=Count("pk", filter=Q(kind=EnforcementKind.COERCION)),
        fee=Sum("amount", filter=Q(kind=EnforcementKind.FEE)),
    )
    fee = (found["fee"] or Decimal(0)) / TEN_THOUSAND
    return {
        EnforcementKind.PENALTY: found["penalty"],
        EnforcementKind.COERCION: found["coercion"],
        EnforcementKind.FEE: fee.quantize(CENT, rounding=ROUND_HALF_UP),
    }
