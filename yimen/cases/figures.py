"""The daily figures behind 办件统计: per day and (organisation, window, item), what stats.py counts, so that
a year's statistics add up a few hundred thousand summary rows instead of scanning every case of the year
(a province: about 11 million a month).

The figures stay exact:

- `refresh()` summarises each day's moments up to `SETTLE` before now (cron: `yimen casefigures`, every
  few minutes); the statistics count whatever is after a day's `through`, or on a day never summarised,
  from the cases. Without a refresh they are still right, only slower.
- A service writing a moment that may already be summarised (受理 or 办结 entered with an earlier time)
  calls `written()`, which marks that day unsummarised until the next refresh. A moment taken as "now"
  needs no mark: it falls after every `through`, provided its transaction commits within SETTLE / 2.
- The refresh locks the days' FiguresDay rows before it counts and `written()` upserts them, so a write
  and a refresh of the same day take turns: the write either marks the day after the refresh committed,
  or the refresh waits for it and counts it.
- Anything that changes cases outside the services (the demo year, a data repair) runs
  `refresh(rebuild=True)`: `yimen casefigures --rebuild`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Min
from django.db.models.functions import TruncDate
from django.utils import timezone

from yimen.cases.models import Case, DailyFigures, FiguresDay
from yimen.cases.queries.stats import SUMMED, concluded_measures

SETTLE = timedelta(minutes=10)
RUN_DAYS = 31  # days summarised in one transaction
KEY = ("day", "organisation_id", "window_id", "item_id")


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def written(*moments: datetime | None) -> None:
    """After writing these moments (受理, 办结 …) in the caller's transaction: a moment older than
    SETTLE / 2 may fall in a summarised part of its day, so the day is counted from the cases again
    until the next refresh. One upsert, and only for such moments: the usual "now" costs nothing."""
    limit = timezone.now() - SETTLE / 2
    days = sorted({timezone.localdate(m) for m in moments if m is not None and m < limit})
    if days:
        FiguresDay.objects.bulk_create(
            [FiguresDay(day=day, through=None) for day in days],
            update_conflicts=True,
            unique_fields=["day"],
            update_fields=["through"],
        )


@dataclass(frozen=True)
class Refreshed:
    days: int
    rows: int


def refresh(*, now: datetime | None = None, rebuild: bool = False) -> Refreshed:
    """Summarise every day not yet summarised up to SETTLE before `now`; `rebuild`: every day again."""
    now = now or timezone.now()
    limit = now - SETTLE
    first = _first_day()
    if first is None:
        if rebuild:
            DailyFigures.objects.all().delete()
            FiguresDay.objects.all().delete()
        return Refreshed(0, 0)
    last = timezone.localdate(limit)
    if rebuild:
        with transaction.atomic():
            DailyFigures.objects.filter(day__lt=first).delete()
            FiguresDay.objects.filter(day__lt=first).delete()
            FiguresDay.objects.filter(day__gte=first).update(through=None)
    done = dict(FiguresDay.objects.filter(day__gte=first, day__lte=last).values_list("day", "through"))
    stale = [
        day
        for day in _days(first, last)
        if (through := done.get(day)) is None or through < min(_start(day + timedelta(days=1)), limit)
    ]
    rows = 0
    for run in _runs(stale):
        rows += _summarise(run, limit, now)
    return Refreshed(len(stale), rows)


def _first_day() -> date | None:
    found = Case.objects.aggregate(accepted=Min("accepted_at"), concluded=Min("concluded_at"))
    moments = [m for m in found.values() if m is not None]
    return timezone.localdate(min(moments)) if moments else None


def _days(first: date, last: date) -> Iterator[date]:
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def _runs(days: Iterable[date]) -> Iterator[list[date]]:
    """Consecutive days, at most RUN_DAYS at a time."""
    run: list[date] = []
    for day in days:
        if run and (day - run[-1] != timedelta(days=1) or len(run) == RUN_DAYS):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


@transaction.atomic
def _summarise(days: list[date], limit: datetime, now: datetime) -> int:
    """One transaction: lock the days' marks (waiting for any write in progress that marked them), count
    their cases up to `limit` (a statement run after the lock sees every committed write), replace the
    days' figures."""
    FiguresDay.objects.bulk_create([FiguresDay(day=day) for day in days], ignore_conflicts=True)
    marks = list(FiguresDay.objects.select_for_update().filter(day__in=days))
    begins, ends = _start(days[0]), min(_start(days[-1] + timedelta(days=1)), limit)
    figures: dict[tuple[Any, ...], DailyFigures] = {}

    def add(found: dict[str, Any]) -> None:
        key = tuple(found[k] for k in KEY)
        row = figures.setdefault(key, DailyFigures(**dict(zip(KEY, key, strict=True))))
        for name in SUMMED:
            if found.get(name) is not None:
                setattr(row, name, getattr(row, name) + found[name])

    for found in (
        Case.objects.filter(accepted_at__gte=begins, accepted_at__lt=ends)
        .annotate(day=TruncDate("accepted_at"))
        .values(*KEY)
        .annotate(accepted=Count("pk"))
        .order_by()
    ):
        add(found)
    for found in (
        Case.objects.filter(accepted_at__isnull=False, concluded_at__gte=begins, concluded_at__lt=ends)
        .annotate(day=TruncDate("concluded_at"))
        .values(*KEY)
        .annotate(**concluded_measures())
        .order_by()
    ):
        add(found)
    DailyFigures.objects.filter(day__in=days).delete()
    DailyFigures.objects.bulk_create(figures.values(), batch_size=5000)
    for mark in marks:
        mark.through = min(_start(mark.day + timedelta(days=1)), limit)
        mark.refreshed_at = now
    FiguresDay.objects.bulk_update(marks, ["through", "refreshed_at"])
    return len(figures)
