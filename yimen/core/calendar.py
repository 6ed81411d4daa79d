"""The working-day calendar: the one truth for time (DESIGN.md, "One truth for time").

Counting follows 民法典 第二百零一条: a period counted in days starts on the day after the event, so
the start day is never counted; day 1 is the first working day after the start date, and
`workdays_between(after, through)` counts the working days d with after < d <= through.

Every answer comes from an in-memory index built from the calendar table: one byte per day and a
cumulative count of working days, so `add_workdays` is one bisection and `workdays_between` one
subtraction (O(log n) and O(1)) instead of a day-by-day walk. Years with no State Council notice
loaded follow the weekend rule and make every result that touches them provisional.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date
from itertools import accumulate
from typing import NamedTuple

from django.conf import settings

from yimen.core import memo

# How long a process trusts its index before asking the database whether it changed.
RECHECK_SECONDS = 5.0


class CalendarError(ValueError):
    """A date outside the calendar, or a negative count: a Chinese message for the user."""


class WorkdayDate(NamedTuple):
    date: date
    provisional: bool


class WorkdayCount(NamedTuple):
    workdays: int
    provisional: bool


class _Index:
    def __init__(self, first: date, workdays: bytearray, loaded_years: frozenset[int]):
        self.first = first
        self.first_ordinal = first.toordinal()
        self.workdays = workdays
        self.loaded_years = loaded_years
        # counts[i] = number of working days among days[0..i], inclusive. A list, not an array:
        # bisect reads a list's ints without boxing them again.
        self.counts = list(accumulate(workdays))
        self.last = date.fromordinal(self.first_ordinal + len(workdays) - 1)
        # unloaded[y - first.year] = 1 where year y has no notice (its results are provisional).
        self.unloaded = bytes(0 if y in loaded_years else 1 for y in range(first.year, self.last.year + 1))

    def position(self, day: date) -> int:
        i = day.toordinal() - self.first_ordinal
        if i < 0 or i >= len(self.workdays):
            raise CalendarError(
                f"日期 {day.isoformat()} 超出日历范围（{self.first.year}–{self.last.year} 年）"
            )
        return i

    def provisional(self, first_year: int, last_year: int) -> bool:
        base = self.first.year
        if first_year == last_year:
            return self.unloaded[first_year - base] == 1
        return 1 in self.unloaded[first_year - base : last_year - base + 1]


def _revision() -> int:
    from yimen.core.models import CalendarRevision

    return CalendarRevision.current()


@memo.kept(seconds=RECHECK_SECONDS, revision=_revision)
def _current() -> _Index:
    """This process's index, built again when the calendar's revision changed (checked every
    RECHECK_SECONDS, so other processes' changes show within that)."""
    from yimen.core.models import CalendarDay, CalendarYear

    conf = settings.YIMEN
    first = date(conf["CALENDAR_FIRST_YEAR"], 1, 1)
    last = date(conf["CALENDAR_LAST_YEAR"], 12, 31)
    size = last.toordinal() - first.toordinal() + 1
    # Weekend rule everywhere, then the stored days (notices and manual changes) on top.
    first_weekday = first.weekday()
    flags = bytearray(1 if (first_weekday + i) % 7 < 5 else 0 for i in range(size))
    offset = first.toordinal()
    for day, is_workday in CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list(
        "date", "is_workday"
    ):
        flags[day.toordinal() - offset] = 1 if is_workday else 0
    loaded = frozenset(CalendarYear.objects.values_list("year", flat=True))
    return _Index(first, flags, loaded)


def invalidate() -> None:
    """Forget the index in this process; the next call rebuilds it from the table."""
    _current.forget()


def is_workday(day: date) -> bool:
    index = _current()
    return bool(index.workdays[index.position(day)])


def is_provisional(year: int) -> bool:
    """True when the State Council notice for `year` is not loaded (weekends only)."""
    return year not in _current().loaded_years


def add_workdays(start: date, days: int) -> WorkdayDate:
    """The date that is the `days`-th working day after `start` (民法典 第二百零一条: start not counted).

    add_workdays(2024-09-27, 20) = 2024-10-30: 09-29 (Sunday, 调休上班) counts, 10-01..07 do not.
    """
    if days < 0:
        raise CalendarError("工作日天数不能为负数")
    index = _current()
    i = index.position(start)
    counts = index.counts
    target = counts[i] + days
    # The answer lies within a few weeks per 5 working days; search there first, everywhere if not.
    hi = min(len(counts), i + 2 * days + 60)
    j = bisect_left(counts, target, i, hi)
    if j == hi:
        j = bisect_left(counts, target, hi)
    if j >= len(counts):
        raise CalendarError(
            f"从 {start.isoformat()} 起 {days} 个工作日超出日历范围（至 {index.last.year} 年）"
        )
    result = date.fromordinal(index.first_ordinal + j)
    return WorkdayDate(result, index.provisional(start.year, result.year))


def workdays_between(after: date, through: date) -> WorkdayCount:
    """Working days d with after < d <= through; negative when `through` is before `after`."""
    index = _current()
    i, j = index.position(after), index.position(through)
    low, high = sorted((after.year, through.year))
    return WorkdayCount(index.counts[j] - index.counts[i], index.provisional(low, high))
