"""好差评 reads: satisfaction by organisation and by window, and the 差评整改工单 lists.

Counting is done by the database (one GROUP BY with conditional aggregation per table); only the two
rates are divided here. The definitions below are the ones the public statistics page states.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.utils import timezone

from yimen.cases.models import Evaluation, Level, WorkOrder, WorkOrderState
from yimen.org.models import Staff, StaffRole
from yimen.org.permissions import ROLE_ACTIONS, ancestors_and_self

SATISFIED_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED, Level.BASIC)
BAD = Q(level__lte=Level.DISSATISFIED)
# 按时整改: the applicant had the work order's reply no later than its due.
ON_TIME = BAD & Q(work_order__replied_at__lte=F("work_order__due"))

SATISFACTION_RATE = "满意率 = （非常满意 + 满意 + 基本满意）评价数 ÷ 评价总数。"
RECTIFICATION_RATE = (
    "差评整改率 = 按时整改的差评数 ÷ 应整改的差评数。差评指“不满意”和“非常不满意”；每条差评生成一张整改工单，"
    "整改期限为评价次日起 {days} 个工作日（至第 {days} 个工作日 24 时）。按时整改指在期限内答复申请人；"
    "应整改的差评指已答复的差评和期限已过的差评（期限未到且尚未答复的，暂不计入）。"
)


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        first = timezone.make_aware(datetime.combine(self.start, time.min))
        after = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))
        return first, after


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SatisfactionRow:
    name: str
    total: int
    levels: tuple[int, ...]  # 非常满意 … 非常不满意
    bad: int
    due: int  # 应整改
    on_time: int
    code: str = ""  # the organisation's code, on rows by organisation

    @property
    def satisfied(self) -> int:
        return sum(self.levels[: len(SATISFIED_LEVELS)])

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return _rate(self.satisfied, self.total)

    @property
    def rectification_rate(self) -> Decimal | None:
        return _rate(self.on_time, self.due)


LEVEL_ORDER = sorted(Level.values, reverse=True)


def _aggregates() -> dict[str, Any]:
    # 应整改: answered, or past its due; one still inside its period and unanswered is not judged yet.
    judged = BAD & (Q(work_order__replied_at__isnull=False) | Q(work_order__due__lt=timezone.now()))
    counts: dict[str, Any] = {f"level_{value}": Count("id", filter=Q(level=value)) for value in LEVEL_ORDER}
    return counts | {
        "total": Count("id"),
        "bad": Count("id", filter=BAD),
        "due": Count("id", filter=judged),
        "on_time": Count("id", filter=ON_TIME),
    }


def _row(name: str, values: dict[str, Any], code: str = "") -> SatisfactionRow:
    return SatisfactionRow(
        code=code,
        name=name,
        total=values["total"],
        levels=tuple(values[f"level_{value}"] for value in LEVEL_ORDER),
        bad=values["bad"],
        due=values["due"],
        on_time=values["on_time"],
    )


def _in(period: Period) -> QuerySet[Evaluation]:
    first, after = period.bounds()
    return Evaluation.objects.filter(at__gte=first, at__lt=after)


def satisfaction_by_organisation(
    period: Period, organisations: Collection[int] | None = None
) -> list[SatisfactionRow]:
    """One row per organisation evaluated in the period; `organisations` narrows them (None: all)."""
    found = _in(period)
    if organisations is not None:
        found = found.filter(organisation_id__in=list(organisations))
    rows = (
        found.values("organisation__code", "organisation__name")
        .annotate(**_aggregates())
        .order_by("organisation__code")
    )
    return [_row(row["organisation__name"], row, row["organisation__code"]) for row in rows]


ONLINE_ROW = "网上办理（无窗口）"


def satisfaction_by_window(period: Period) -> list[SatisfactionRow]:
    """Per window of the hall; online cases, which have no window, form one row of their own."""
    rows = (
        _in(period)
        .values("window__number", "window__name")
        .annotate(**_aggregates())
        .order_by(F("window__number").asc(nulls_last=True))
    )
    return [
        _row(f"{row['window__number']} {row['window__name']}" if row["window__number"] else ONLINE_ROW, row)
        for row in rows
    ]


def satisfaction_total(period: Period) -> SatisfactionRow:
    return _row("合计", _in(period).aggregate(**_aggregates()))


# --- work orders ------------------------------------------------------------------------------------


def work_orders(organisations: set[int] | None, state: str = "") -> QuerySet[WorkOrder]:
    """差评整改工单 of these organisations (None: all), each flagged `overdue`; `state` is a WorkOrderState
    or "overdue"."""
    orders = WorkOrder.objects.select_related(
        "organisation", "owner", "evaluation__case__version", "evaluation__window"
    ).annotate(
        overdue=ExpressionWrapper(
            Q(state=WorkOrderState.OPEN, due__lt=timezone.now()), output_field=BooleanField()
        )
    )
    if organisations is not None:
        orders = orders.filter(organisation_id__in=organisations)
    if state == "overdue":
        orders = orders.filter(state=WorkOrderState.OPEN, due__lt=timezone.now())
    elif state in WorkOrderState.values:
        orders = orders.filter(state=state)
    # Open orders first, then those awaiting closure; the earliest due first within each.
    progress = Case(
        When(state=WorkOrderState.OPEN, then=Value(0)),
        When(state=WorkOrderState.REPLIED, then=Value(1)),
        default=Value(2),
    )
    return orders.order_by(progress, "due", "pk")


def overdue_work_orders(organisations: set[int] | None) -> QuerySet[WorkOrder]:
    """Open orders past their due (a replied order is not overdue: the applicant has the answer)."""
    return work_orders(organisations, "overdue")


def possible_owners(order: WorkOrder) -> QuerySet[Staff]:
    """Active staff holding a role that grants workorder.handle over the order's organisation."""
    roles = [role for role, actions in ROLE_ACTIONS.items() if "workorder.handle" in actions]
    holders = StaffRole.objects.filter(
        role__in=roles, organisation_id__in=ancestors_and_self(order.organisation_id)
    ).values("staff_id")
    return Staff.objects.filter(pk__in=holders, is_active=True).order_by("username")
