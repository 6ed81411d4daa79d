"""电子监察: red and yellow cards on accepted cases, answered by the database from the stored deadlines.

No national rule sets the thresholds (gov-service.md §3), so they are configuration: the centre's
defaults settings.YIMEN["YELLOW_DAYS_LEFT"] / ["YELLOW_PERCENT_USED"], overridden per item by
ServiceItem.yellow_days_left / yellow_percent_used (read once per board, matched by item id).

- 红牌 超期未办结: a case in 办理中 whose 承诺办结时间 has passed.
- 红牌 超期办结: a case concluded after its 承诺办结时间 (the board shows those concluded since `late_since`).
- 黄牌 临近到期: a case in 办理中 with at most N working days left.
- 黄牌 用时预警: a case in 办理中 that has used at least P% of its time.

A case in 特别程序 carries no card: its clock is stopped (行政许可法 第四十五条) and its deadline moves
when the procedure ends. Cases not yet accepted (申报, 补齐补正) have no clock either.

How this stays within 100 ms on a province's cases (11 million a month): the board never reads the
case table, only two partial covering indexes (models.py) — case_running, the cases in 办理中 (about 1%
of the rows), and case_late, the cases concluded after their deadline — and each card rule names only
columns those indexes hold, so PostgreSQL answers from the indexes alone (index-only scans). The
counts are two GROUP BYs, one per index, added up per organisation and window; the cards are the two
halves in one UNION ALL ranked by card and deadline, and only a page's rows are read from the table.

- Working days left ≤ N is exact without a calendar in SQL: the days left are the working days after
  today up to the due date, so "≤ N" means the case is due before the (N + 1)-th working day after
  today. `core.calendar.add_workdays(today, N + 1)` is computed once in Python for each distinct N
  (the default and the few item overrides) and the database compares promised_due with that midnight.
- Time used ≥ P% is approximated by calendar time: (now − 受理时间) × 100 ≥ P × (承诺办结时间 − 受理时间).
  Calendar and working time differ while a holiday lies inside the span; near the end of the span,
  where the warning matters, they agree closely, and the days-left rule above is exact there anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, overload

from django.conf import settings
from django.db import connection, transaction
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
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from yimen.cases.models import CONCLUDED_LATE, RUNNING, Case
from yimen.cases.queries.stats import narrowed
from yimen.catalog.models import ServiceItem
from yimen.core import calendar
from yimen.org.models import Organisation, Window

# The board shows 超期办结 for cases concluded within this many days before now, unless asked otherwise.
LATE_WINDOW_DAYS = 7
# A running case with a clock: accepted, with a 承诺办结时间.
CLOCKED = RUNNING & Q(promised_due__isnull=False, accepted_at__isnull=False)


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


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Thresholds:
    """The centre's thresholds and the few items that set their own (item id → value)."""

    days_left: int
    percent_used: int
    item_days_left: dict[int, int]
    item_percent_used: dict[int, int]


def thresholds() -> Thresholds:
    days_left, percent_used = defaults()
    item_days: dict[int, int] = {}
    item_percent: dict[int, int] = {}
    own = Q(yellow_days_left__isnull=False) | Q(yellow_percent_used__isnull=False)
    for pk, days, percent in ServiceItem.objects.filter(own).values_list(
        "pk", "yellow_days_left", "yellow_percent_used"
    ):
        if days is not None:
            item_days[pk] = days
        if percent is not None:
            item_percent[pk] = percent
    return Thresholds(days_left, percent_used, item_days, item_percent)


def _per_item(overrides: dict[int, int], default: int, value: Callable[[int], Value]) -> Value | CaseWhen:
    """Each case's threshold by its item id (CASE WHEN item_id IN …): the rows need no join to the
    items, so the board reads the case index alone. With no override, one constant."""
    items: dict[int, list[int]] = {}
    for pk, threshold in overrides.items():
        items.setdefault(threshold, []).append(pk)
    if not items:
        return value(default)
    whens = [When(item_id__in=sorted(pks), then=value(threshold)) for threshold, pks in sorted(items.items())]
    return CaseWhen(*whens, default=value(default), output_field=value(default).output_field)


def _due_soon_cutoff(today: date, limits: Thresholds) -> Value | CaseWhen:
    """Per case, the midnight starting the (N + 1)-th working day after today: due before it means
    at most N working days left. One add_workdays per distinct N, none per row."""

    def cutoff(days: int) -> Value:
        return Value(midnight(calendar.add_workdays(today, days + 1).date), output_field=DateTimeField())

    return _per_item(limits.item_days_left, limits.days_left, cutoff)


def _time_used(now: datetime, limits: Thresholds) -> GreaterThanOrEqual:
    """(now − accepted) × 100 ≥ P × (due − accepted): calendar time, P from the item or the default."""
    elapsed = ExpressionWrapper(
        Value(now, output_field=DateTimeField()) - F("accepted_at"), output_field=DurationField()
    )
    span = ExpressionWrapper(F("promised_due") - F("accepted_at"), output_field=DurationField())
    percent = _per_item(
        limits.item_percent_used, limits.percent_used, lambda p: Value(p, output_field=IntegerField())
    )
    return GreaterThanOrEqual(
        ExpressionWrapper(elapsed * Value(100), output_field=DurationField()),
        ExpressionWrapper(span * percent, output_field=DurationField()),
    )


def running_rules(scope: Scope) -> dict[str, Q]:
    """Each card reason of a running case (CLOCKED) as a condition on its deadline and acceptance, in
    the order a case is labelled. They name no column case_running lacks (not even the state, which
    its condition holds), so the board reads that index alone."""
    now, limits = scope.now, thresholds()
    in_time = Q(promised_due__gte=now)
    return {
        Reason.OVERDUE: Q(promised_due__lt=now),
        Reason.DUE_SOON: in_time & Q(promised_due__lt=_due_soon_cutoff(timezone.localdate(now), limits)),
        Reason.TIME_USED: in_time & Q(_time_used(now, limits)),
    }


def late_rule(scope: Scope) -> Q:
    """超期办结 within the window; concluded_at > promised_due also says the case had been accepted."""
    return CONCLUDED_LATE & Q(concluded_at__gte=scope.since)


def _scoped(cases: QuerySet[Case], scope: Scope) -> QuerySet[Case]:
    """Organisation and window narrowing, as filters on the rows the partial index already picked."""
    return narrowed(
        cases,
        organisations=scope.organisations,
        organisation_id=scope.organisation_id,
        window_id=scope.window_id,
    )


@contextmanager
def _serial() -> Iterator[None]:
    """PostgreSQL without parallel workers for the board's two small index-only scans: starting them
    costs more than they save (40 ms on a busy 2-core machine, where the scans take a few)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def _parts(scope: Scope) -> tuple[QuerySet[Case], QuerySet[Case], dict[str, Q]]:
    """The two index-driven halves of the board: the running cases that carry a card (case_running),
    and the late conclusions in the window (case_late); and the rules of the running half."""
    running = running_rules(scope)
    carded = Q()
    for q in running.values():
        carded |= q
    return (
        _scoped(Case.objects.filter(CLOCKED).filter(carded), scope),
        _scoped(Case.objects.filter(late_rule(scope)), scope),
        running,
    )


@dataclass(frozen=True)
class Carded:
    case: Case
    card: str
    reason: str


class Cards:
    """Every carded case in scope, red first, then by deadline, read a page (a slice) at a time: the
    page's ids, cards and reasons come from the two covering indexes, then only those rows are read."""

    def __init__(self, scope: Scope) -> None:
        running, late, conditions = _parts(scope)  # a running case is labelled by the first rule it meets
        reason = CaseWhen(*(When(q, then=Value(name)) for name, q in conditions.items()), default=Value(""))
        card = CaseWhen(
            *(When(q, then=Value(Reason.CARD[name])) for name, q in conditions.items()), default=Value("")
        )
        fields = ("id", "card", "reason", "promised_due")
        self.ranked = (
            running.annotate(card=card, reason=reason)
            .values_list(*fields)
            .union(
                late.annotate(card=Value(Card.RED), reason=Value(Reason.LATE)).values_list(*fields), all=True
            )
            .order_by("card", "promised_due", "id")  # "red" sorts before "yellow"
        )

    @overload
    def __getitem__(self, index: int) -> Carded: ...

    @overload
    def __getitem__(self, index: slice) -> list[Carded]: ...

    def __getitem__(self, index: int | slice) -> Carded | list[Carded]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        with _serial():
            ranked = list(self.ranked[index])
        rows = Case.objects.select_related("item", "version", "organisation", "window").in_bulk(
            [pk for pk, *_ in ranked]
        )
        return [Carded(rows[pk], card, reason) for pk, card, reason, _ in ranked]

    def __iter__(self) -> Iterator[Carded]:
        return iter(self[:])

    def __len__(self) -> int:
        with _serial():
            return self.ranked.count()


def cards(scope: Scope) -> Cards:
    return Cards(scope)


def counts(scope: Scope) -> list[dict[str, Any]]:
    """Red and yellow counts per organisation and window: two GROUP BYs, each over the few rows of a
    partial covering index (open cases; late conclusions), added up per organisation and window, then
    named from the organisations and windows found."""
    running, late, conditions = _parts(scope)
    yellow = conditions[Reason.DUE_SOON] | conditions[Reason.TIME_USED]  # red and yellow exclude each other
    by_place = [
        running.values_list("organisation_id", "window_id").annotate(
            red=Count("pk", filter=conditions[Reason.OVERDUE]), yellow=Count("pk", filter=yellow)
        ),
        late.values_list("organisation_id", "window_id").annotate(red=Count("pk"), yellow=Value(0)),
    ]
    with _serial():
        grouped = [row for part in by_place for row in part.order_by()]
    totals: dict[tuple[int, int | None], list[int]] = {}
    for organisation_id, window_id, red, amber in grouped:
        total = totals.setdefault((organisation_id, window_id), [0, 0])
        total[0] += red
        total[1] += amber
    organisations = Organisation.objects.in_bulk({o for o, _ in totals})
    windows = Window.objects.in_bulk({w for _, w in totals if w is not None})
    named = []
    for (organisation_id, window_id), (red, amber) in totals.items():
        organisation, window = organisations[organisation_id], windows.get(window_id or 0)
        number = window.number if window else None
        row = {
            "organisation_id": organisation_id,
            "organisation__name": organisation.name,
            "window_id": window_id,
            "window__number": number,
            "window__name": window.name if window else None,
            "red": red,
            "yellow": amber,
        }
        named.append(((organisation.code, number is None, number or ""), row))
    return [row for _, row in sorted(named, key=lambda pair: pair[0])]


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
