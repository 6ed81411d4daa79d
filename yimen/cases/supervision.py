"""电子监察: red and yellow cards on accepted cases, answered by the database from the stored deadlines.

No national rule sets the thresholds (gov-service.md §3), so they are configuration: the centre's
defaults settings.YIMEN["YELLOW_DAYS_LEFT"] / ["YELLOW_PERCENT_USED"], overridden per item by
ServiceItem.yellow_days_left / yellow_percent_used (read through the item join).

- 红牌 超期未办结: a case in 办理中 whose 承诺办结时间 has passed.
- 红牌 超期办结: a case concluded after its 承诺办结时间 (the board shows those concluded since `late_since`).
- 黄牌 临近到期: a case in 办理中 with at most N working days left.
- 黄牌 用时预警: a case in 办理中 that has used at least P% of its time.

A case in 特别程序 carries no card: its clock is stopped (行政许可法 第四十五条) and its deadline moves
when the procedure ends. Cases not yet accepted (申报, 补齐补正) have no clock either.

How this stays one query on 1.29 M cases (≤ 100 ms): the only row filters that pick rows are backed by
indexes — state + promised_due (case_open_due) for the open cases, organisation + concluded_at
(case_org_concluded) for the late conclusions — and the rules are SQL expressions over those rows.
At city scale the late branch reads every case concluded in the window (≈ 26,000 a week, 95% of them
即办件); a partial index on (organisation, concluded_at) WHERE concluded_at > promised_due would let it
read only the late ones, and this query would use it as it stands.

- Working days left ≤ N is exact without a calendar in SQL: the days left are the working days after
  today up to the due date, so "≤ N" means the case is due before the (N + 1)-th working day after
  today. `core.calendar.add_workdays(today, N + 1)` is computed once in Python for each distinct N
  (the default and the few item overrides) and the database compares promised_due with that midnight.
- Time used ≥ P% is approximated by calendar time: (now − 受理时间) × 100 ≥ P × (承诺办结时间 − 受理时间).
  Calendar and working time differ while a holiday lies inside the span; near the end of the span,
  where the warning matters, they agree closely, and the days-left rule above is exact there anyway.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case as CaseWhen
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from yimen.cases.models import Case, CaseState
from yimen.catalog.models import ServiceItem
from yimen.core import calendar, events
from yimen.core.models import OutboxMessage
from yimen.org.models import Organisation

# The board shows 超期办结 for cases concluded within this many days before now, unless asked otherwise.
LATE_WINDOW_DAYS = 7
DIGEST_EVENT = "supervision.digest"
CONCLUDED_STATES = [CaseState.CONCLUDED, CaseState.DELIVERED]


class Card:
    RED = "red"
    YELLOW = "yellow"
    LABELS = {RED: "红牌", YELLOW: "黄牌"}


class Reason:
    OVERDUE = "overdue"
    LATE = "late"
    DUE_SOON = "due_soon"
    TIME_USED = "time_used"
    LABELS = {
        OVERDUE: "超期未办结",
        LATE: "超期办结",
        DUE_SOON: "临近到期",
        TIME_USED: "用时预警",
    }
    CARD = {OVERDUE: Card.RED, LATE: Card.RED, DUE_SOON: Card.YELLOW, TIME_USED: Card.YELLOW}


@dataclass(frozen=True)
class Scope:
    """What a board looks at: the moment, the organisations one may see (None: all), optional narrowing."""

    now: datetime
    organisations: Collection[int] | None = None
    late_since: datetime | None = None
    organisation_id: int | None = None
    window_id: int | None = None

    @property
    def since(self) -> datetime:
        return self.late_since or self.now - timedelta(days=LATE_WINDOW_DAYS)


def defaults() -> tuple[int, int]:
    """The centre's thresholds: (working days left, percent of the time used)."""
    conf = settings.YIMEN
    return int(conf["YELLOW_DAYS_LEFT"]), int(conf["YELLOW_PERCENT_USED"])


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _due_soon_cutoff(today: date) -> CaseWhen:
    """Per case, the midnight starting the (N + 1)-th working day after today: due before it means
    at most N working days left. One add_workdays per distinct N, none per row."""
    default_days, _ = defaults()
    overrides = {
        days
        for days in ServiceItem.objects.filter(yellow_days_left__isnull=False)
        .values_list("yellow_days_left", flat=True)
        .distinct()
        if days is not None
    }

    def cutoff(days: int) -> Value:
        return Value(_midnight(calendar.add_workdays(today, days + 1).date), output_field=DateTimeField())

    return CaseWhen(
        *(When(item__yellow_days_left=days, then=cutoff(days)) for days in sorted(overrides)),
        default=cutoff(default_days),
        output_field=DateTimeField(),
    )


def _time_used(now: datetime) -> GreaterThanOrEqual:
    """(now − accepted) × 100 ≥ P × (due − accepted): calendar time, P from the item or the default."""
    _, default_percent = defaults()
    elapsed = ExpressionWrapper(
        Value(now, output_field=DateTimeField()) - F("accepted_at"), output_field=DurationField()
    )
    span = ExpressionWrapper(F("promised_due") - F("accepted_at"), output_field=DurationField())
    percent = Coalesce(F("item__yellow_percent_used"), Value(default_percent), output_field=IntegerField())
    return GreaterThanOrEqual(
        ExpressionWrapper(elapsed * Value(100), output_field=DurationField()),
        ExpressionWrapper(span * percent, output_field=DurationField()),
    )


def rules(scope: Scope) -> dict[str, Q]:
    """Each card reason as a condition on a case row, in the order a case is labelled."""
    now = scope.now
    running = Q(state=CaseState.HANDLING, promised_due__isnull=False, accepted_at__isnull=False)
    in_time = running & Q(promised_due__gte=now)
    return {
        Reason.OVERDUE: running & Q(promised_due__lt=now),
        Reason.LATE: Q(
            state__in=CONCLUDED_STATES,
            accepted_at__isnull=False,
            promised_due__isnull=False,
            concluded_at__gte=scope.since,
            concluded_at__gt=F("promised_due"),
        ),
        Reason.DUE_SOON: in_time & Q(promised_due__lt=_due_soon_cutoff(timezone.localdate(now))),
        Reason.TIME_USED: in_time & Q(_time_used(now)),
    }


def _visible(scope: Scope) -> Q:
    """Organisation narrowing. A list of every organisation replaces "all" so the late-conclusion branch
    can still walk the organisation + concluded_at index."""
    organisations = scope.organisations
    if organisations is None:
        organisations = list(Organisation.objects.values_list("id", flat=True))
    where = Q(organisation_id__in=list(organisations))
    if scope.organisation_id is not None:
        where &= Q(organisation_id=scope.organisation_id)
    if scope.window_id is not None:
        where &= Q(window_id=scope.window_id)
    return where


def cards(scope: Scope) -> QuerySet[Case]:
    """Every carded case in scope, annotated with `card` (red/yellow) and `reason`; red first, then by
    deadline."""
    conditions = rules(scope)
    reason = CaseWhen(*(When(q, then=Value(name)) for name, q in conditions.items()), default=Value(""))
    card = CaseWhen(
        *(When(q, then=Value(Reason.CARD[name])) for name, q in conditions.items()), default=Value("")
    )
    any_card = Q()
    for q in conditions.values():
        any_card |= q
    return (
        Case.objects.filter(_visible(scope))
        .filter(any_card)
        .annotate(card=card, reason=reason)
        .select_related("item", "version", "organisation", "window")
        .order_by("card", "promised_due", "pk")  # "red" sorts before "yellow"
    )


def counts(scope: Scope) -> list[dict[str, Any]]:
    """Red and yellow counts per organisation and window (GROUP BY in the database)."""
    conditions = rules(scope)
    # The red and yellow rules exclude each other (overdue or concluded vs. still in time).
    red = conditions[Reason.OVERDUE] | conditions[Reason.LATE]
    yellow = conditions[Reason.DUE_SOON] | conditions[Reason.TIME_USED]
    return list(
        Case.objects.filter(_visible(scope))
        .filter(red | yellow)
        .values("organisation_id", "organisation__name", "window_id", "window__number", "window__name")
        .annotate(red=Count("pk", filter=red), yellow=Count("pk", filter=yellow))
        .order_by("organisation__code", "window__number")
    )


def by_organisation(scope: Scope) -> list[dict[str, Any]]:
    """The digest's figures: red and yellow counts per organisation code."""
    totals: dict[str, dict[str, Any]] = {}
    for row in counts(scope):
        org = totals.setdefault(
            str(row["organisation_id"]), {"organisation": row["organisation__name"], "red": 0, "yellow": 0}
        )
        org["red"] += row["red"]
        org["yellow"] += row["yellow"]
    codes = dict(Organisation.objects.filter(pk__in=[int(k) for k in totals]).values_list("id", "code"))
    return [{"code": codes[int(pk)], **row} for pk, row in totals.items()]


def days_left(case: Case, today: date) -> int | None:
    """Working days after today up to the due date, for showing a page of cards (negative when overdue)."""
    if case.promised_due is None:
        return None
    return calendar.workdays_between(today, timezone.localtime(case.promised_due).date()).workdays


@transaction.atomic
def emit_digest(*, now: datetime) -> OutboxMessage:
    """The daily 电子监察 digest for supervisors: each organisation's red and yellow counts, one event a
    day (running it twice the same day changes nothing)."""
    today = timezone.localdate(now)
    rows = by_organisation(Scope(now=now, late_since=_midnight(today - timedelta(days=1))))
    payload = {
        "date": today.isoformat(),
        "organisations": rows,
        "red": sum(r["red"] for r in rows),
        "yellow": sum(r["yellow"] for r in rows),
    }
    return events.emit(DIGEST_EVENT, payload, key=f"{DIGEST_EVENT}:{today.isoformat()}")
