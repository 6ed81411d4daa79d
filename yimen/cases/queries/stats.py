"""办件统计: 受理量, 办结量, 即办件率, 按时办结率, 提前办结率, 超期件数 and 平均办结用时 by organisation, window,
item or month over a date range, counted by the database: GROUP BY queries over the daily figures
(figures.py) for the summarised days and over the cases for the rest, merged by key.

The definitions are gov-service.md §2.5 (working definitions; no national formula is published). Time is
counted from 受理; 补齐补正 happens before 受理 here, so it never counts, and 特别程序 pushes the stored
承诺办结时间 out by its working days. The page and the API show DEFINITIONS as they are written here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.db.models import (
    Aggregate,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Model,
    Q,
    QuerySet,
    Sum,
    TextChoices,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.functions import TruncDay
from django.utils import timezone

from yimen.cases.models import Case, CaseState, DailyFigures, FiguresDay
from yimen.catalog.models import ServiceItem
from yimen.core import calendar
from yimen.org.models import Organisation, Window

DEFINITIONS: list[tuple[str, str]] = [
    ("受理量", "统计期内受理的件数，以受理时间计；未受理的申报和不予受理的申请不计。"),
    (
        "办结量",
        "统计期内受理后办结的件数，以办结时间计；含出证办结、不予许可、退件、作废、转报和受理后撤件。",
    ),
    ("即办件率", "即办件（承诺时限为 0，当场办结）的办结数 ÷ 办结量。"),
    ("按时办结率", "办结时间不晚于承诺办结时间的件数 ÷ 办结量；即办件当场办结，计为按时。"),
    ("提前办结率", "在承诺办结日之前（到期当日以前）办结的件数 ÷ 办结量。"),
    (
        "超期件数",
        "超期办结（统计期内办结、办结时间晚于承诺办结时间）加上超期未办结"
        "（统计期内受理、至今仍在办理且已过承诺办结时间）的件数。",
    ),
    (
        "平均办结用时",
        "承诺件（即办件除外）从受理到办结的平均工作日数，扣除特别程序占用的工作日；"
        "按自然日用时 × 统计期内工作日占比折算，精确到 0.1 个工作日。",
    ),
]
OPEN_OVERDUE_STATES = [CaseState.HANDLING]
M = TypeVar("M", bound=Model)


class By(TextChoices):
    ORGANISATION = "organisation", "按单位"
    WINDOW = "window", "按窗口"
    ITEM = "item", "按事项"
    MONTH = "month", "按月份"


@dataclass(frozen=True)
class StatsFilter:
    start: date
    end: date  # inclusive
    by: str = By.ORGANISATION
    organisations: Collection[int] | None = None  # what the person may see; None: all
    organisation_id: int | None = None
    window_id: int | None = None
    item_id: int | None = None


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Row:
    key: str
    label: str
    accepted: int = 0
    concluded: int = 0
    immediate: int = 0
    on_time: int = 0
    early: int = 0
    late: int = 0
    overdue_open: int = 0
    promised: int = 0  # concluded cases that are not 即办件: the average's denominator
    span: timedelta = timedelta()  # 承诺件: 受理 to 办结, summed
    calendar_days: float = 0.0
    paused_workdays: int = 0
    workday_share: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def immediate_rate(self) -> float | None:
        return rate(self.immediate, self.concluded)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.concluded)

    @property
    def early_rate(self) -> float | None:
        return rate(self.early, self.concluded)

    @property
    def overdue(self) -> int:
        return self.late + self.overdue_open

    @property
    def average_workdays(self) -> float | None:
        if not self.promised:
            return None
        workdays = self.calendar_days * self.workday_share - self.paused_workdays
        return round(max(workdays, 0.0) / self.promised, 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "accepted": self.accepted,
            "concluded": self.concluded,
            "immediate": self.immediate,
            "immediate_rate": self.immediate_rate,
            "on_time": self.on_time,
            "on_time_rate": self.on_time_rate,
            "early": self.early,
            "early_rate": self.early_rate,
            "overdue": self.overdue,
            "overdue_concluded": self.late,
            "overdue_open": self.overdue_open,
            "average_workdays": self.average_workdays,
        }


def _bounds(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def workday_share(start: date, end: date) -> float:
    """Working days ÷ calendar days in [start, end]: turns calendar time into working time on average."""
    days = (end - start).days + 1
    return calendar.workdays_between(start - timedelta(days=1), end).workdays / days if days > 0 else 1.0


def narrowed(
    rows: QuerySet[M],
    *,
    organisations: Collection[int] | None,
    organisation_id: int | None = None,
    window_id: int | None = None,
    item_id: int | None = None,
) -> QuerySet[M]:
    """Cases, or their daily figures, within a person's reach (None: everywhere) and the organisation,
    window or item asked for."""
    if organisations is not None:
        rows = rows.filter(organisation_id__in=list(organisations))
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    if window_id is not None:
        rows = rows.filter(window_id=window_id)
    if item_id is not None:
        rows = rows.filter(item_id=item_id)
    return rows


def _scoped(f: StatsFilter, rows: QuerySet[M]) -> QuerySet[M]:
    return narrowed(
        rows,
        organisations=f.organisations,
        organisation_id=f.organisation_id,
        window_id=f.window_id,
        item_id=f.item_id,
    )


def _months(f: StatsFilter) -> list[tuple[str, date]]:
    """Each month of the range as (key, its first day)."""
    months: list[tuple[str, date]] = []
    day = f.start.replace(day=1)
    while day <= f.end:
        months.append((f"{day:%Y-%m}", day))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _dimension(f: StatsFilter, moment: str) -> Any:
    """The GROUP BY column. A month is found by comparing the moment (受理 or 办结, or a summary's day)
    with the months' starts computed once here: cheap comparisons instead of a time-zone conversion on
    every row."""
    if f.by == By.MONTH:
        starts = [(key, first if moment == "day" else _bounds(first)) for key, first in _months(f)]
        return CaseWhen(
            *(When(**{f"{moment}__gte": begins}, then=Value(key)) for key, begins in reversed(starts)),
            default=Value(""),
            output_field=CharField(),
        )
    columns: dict[str, str] = {By.WINDOW: "window_id", By.ITEM: "item_id"}
    return F(columns.get(f.by, "organisation_id"))


def _key(value: Any) -> str:
    return "" if value is None else str(value)


def concluded_measures() -> dict[str, Aggregate]:
    """The figures of the cases concluded after acceptance: one set of expressions for the statistics
    counted from the cases and for the daily figures (figures.py), so both count alike."""
    # A 即办件's deadline is its acceptance (deadlines.due with a limit of 0): the stored columns say it
    # without joining the version. Cheap comparisons come first in each filter, so the time-zone
    # arithmetic of 提前 runs only for the few 承诺件.
    immediate = Q(promised_due=F("accepted_at"))
    promised = Q(promised_due__gt=F("accepted_at"))
    span = ExpressionWrapper(F("concluded_at") - F("accepted_at"), output_field=DurationField())
    return {
        "concluded": Count("pk"),
        "immediate": Count("pk", filter=immediate),
        "on_time": Count("pk", filter=Q(concluded_at__lte=F("promised_due"))),
        "early": Count("pk", filter=promised & Q(concluded_at__lt=TruncDay("promised_due"))),
        "late": Count("pk", filter=Q(concluded_at__gt=F("promised_due"))),
        "promised": Count("pk", filter=promised),
        "span": Sum(span, filter=promised),
        "paused": Sum("paused_workdays", filter=promised),
    }


SUMMED = ("accepted", "concluded", "immediate", "on_time", "early", "late", "promised", "span", "paused")
Spans = list[tuple[datetime, datetime]]


def _split(f: StatsFilter) -> tuple[list[tuple[date, date]], Spans]:
    """The range as runs of days read from the daily figures and spans of time counted from the cases:
    each day's moments before its FiguresDay's `through` are summarised, the rest (the day so far, a day
    written to after its summary, a day never summarised) is not."""
    marks = dict(
        FiguresDay.objects.filter(day__gte=f.start, day__lte=f.end, through__isnull=False).values_list(
            "day", "through"
        )
    )
    runs: list[tuple[date, date]] = []
    spans: Spans = []
    day = f.start
    while day <= f.end:
        begins, ends = _bounds(day), _bounds(day + timedelta(days=1))
        through = marks.get(day)
        if through is not None:
            if runs and runs[-1][1] == day - timedelta(days=1):
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
            begins = max(begins, through)
        if begins < ends:
            if spans and spans[-1][1] == begins:
                spans[-1] = (spans[-1][0], ends)
            else:
                spans.append((begins, ends))
        day += timedelta(days=1)
    return runs, spans


def _within(column: str, spans: Spans) -> Q:
    within = Q()
    for begins, ends in spans:
        within |= Q(**{f"{column}__gte": begins, f"{column}__lt": ends})
    return within


def _summarised(f: StatsFilter, runs: list[tuple[date, date]]) -> list[dict[str, Any]]:
    if not runs:
        return []
    days = Q()
    for first, last in runs:
        days |= Q(day__gte=first, day__lte=last)
    return list(
        _scoped(f, DailyFigures.objects.filter(days))
        .annotate(dim=_dimension(f, "day"))
        .values("dim")
        .annotate(**{name: Sum(name) for name in SUMMED})
        .order_by()
    )


def _accepted(f: StatsFilter, spans: Spans) -> list[dict[str, Any]]:
    if not spans:
        return []
    return list(
        _scoped(f, Case.objects.filter(_within("accepted_at", spans)))
        .annotate(dim=_dimension(f, "accepted_at"))
        .values("dim")
        .annotate(accepted=Count("pk"))
        .order_by()
    )


def _concluded(f: StatsFilter, spans: Spans) -> list[dict[str, Any]]:
    if not spans:
        return []
    return list(
        _scoped(f, Case.objects.filter(_within("concluded_at", spans), accepted_at__isnull=False))
        .annotate(dim=_dimension(f, "concluded_at"))
        .values("dim")
        .annotate(**concluded_measures())
        .order_by()
    )


def _overdue_open(f: StatsFilter, now: datetime) -> list[dict[str, Any]]:
    """超期未办结 depends on the moment asked, so it is never summarised: the open cases past their
    deadline are few, and the (state, promised_due) index finds them."""
    accepted = _within("accepted_at", [(_bounds(f.start), _bounds(f.end + timedelta(days=1)))])
    return list(
        _scoped(f, Case.objects.filter(accepted, state__in=OPEN_OVERDUE_STATES, promised_due__lt=now))
        .annotate(dim=_dimension(f, "accepted_at"))
        .values("dim")
        .annotate(overdue_open=Count("pk"))
        .order_by()
    )


def _labels(by: str, keys: Collection[str]) -> dict[str, tuple[str, str]]:
    """{key: (sort key, label)} for the rows found: one small query on the dimension's table."""
    ids = [int(k) for k in keys if k.isdigit()]
    if by == By.MONTH:
        return {k: (k, f"{k[:4]}年{int(k[5:])}月") for k in keys}
    if by == By.WINDOW:
        found = {str(w.pk): (w.number, f"{w.number} {w.name}") for w in Window.objects.filter(pk__in=ids)}
        return found | {"": ("~", "网上申报（无窗口）")}
    if by == By.ITEM:
        items = ServiceItem.objects.filter(pk__in=ids).select_related("current")
        return {
            str(i.pk): (i.impl_code, f"{i.current.name if i.current else i.impl_code}（{i.impl_code}）")
            for i in items
        }
    return {str(o.pk): (o.code, o.name) for o in Organisation.objects.filter(pk__in=ids)}


def _month_share(key: str, f: StatsFilter) -> float:
    first = date(int(key[:4]), int(key[5:]), 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return workday_share(max(first, f.start), min(last, f.end))


def case_stats(
    f: StatsFilter, *, now: datetime | None = None, summaries: bool = True
) -> tuple[list[Row], Row]:
    """The rows of the breakdown and the total row; `summaries=False` counts every case itself."""
    now = now or timezone.now()
    rows: dict[str, Row] = {}

    def row(key: str) -> Row:
        return rows.setdefault(key, Row(key=key, label=key))

    runs, spans = _split(f) if summaries else ([], [(_bounds(f.start), _bounds(f.end + timedelta(days=1)))])
    for found in [*_summarised(f, runs), *_accepted(f, spans), *_concluded(f, spans)]:
        r = row(_key(found["dim"]))
        for name in SUMMED:
            if found.get(name) is not None:
                attribute = "paused_workdays" if name == "paused" else name
                setattr(r, attribute, getattr(r, attribute) + found[name])
    for found in _overdue_open(f, now):
        row(_key(found["dim"])).overdue_open += found["overdue_open"]
    for r in rows.values():
        r.calendar_days = r.span.total_seconds() / 86400
    share = workday_share(f.start, f.end)
    labels = _labels(f.by, rows.keys())
    for key, r in rows.items():
        r.label = labels.get(key, (key, key))[1]
        r.workday_share = _month_share(key, f) if f.by == By.MONTH else share
    ordered = sorted(rows.values(), key=lambda r: labels.get(r.key, (r.key,))[0])
    return ordered, _total(ordered, share)


def _total(rows: list[Row], share: float) -> Row:
    total = Row(key="total", label="合计", workday_share=share)
    for r in rows:
        for name in ("accepted", "concluded", "immediate", "on_time", "early", "late", "overdue_open"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.promised += r.promised
        total.paused_workdays += r.paused_workdays
        # Each row's calendar days carry its own share; the total keeps their working-day sum.
        total.calendar_days += r.calendar_days * r.workday_share / share if share else 0.0
    return total
