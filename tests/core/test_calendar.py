"""The working-day calendar: 民法典 第二百零一条 counting over the State Council's notices."""

from __future__ import annotations

from datetime import date

import pytest

from yimen.core import calendar, memo
from yimen.core.models import CalendarDay, CalendarYear, DaySource

pytestmark = pytest.mark.django_db


def test_make_up_sunday_before_national_day_2024_is_a_working_day() -> None:
    assert calendar.is_workday(date(2024, 9, 29))


def test_national_day_week_2024_is_not_working() -> None:
    assert not any(calendar.is_workday(date(2024, 10, d)) for d in range(1, 8))
    assert calendar.is_workday(date(2024, 10, 8))


def test_make_up_sunday_before_spring_festival_2025_is_a_working_day() -> None:
    assert calendar.is_workday(date(2025, 1, 26))
    assert not calendar.is_workday(date(2025, 1, 28))


def test_twenty_working_days_from_27_september_2024_end_on_30_october() -> None:
    """Start day not counted; 09-29 (调休) counts, 10-01..07 do not; 10-12 (Saturday 调休) counts."""
    result = calendar.add_workdays(date(2024, 9, 27), 20)
    assert result.date == date(2024, 10, 30)
    assert result.provisional is False


def test_the_start_day_is_not_counted() -> None:
    # Monday 2024-11-04 → 1 working day later is Tuesday, not Monday itself.
    assert calendar.add_workdays(date(2024, 11, 4), 1).date == date(2024, 11, 5)
    # Zero days: the start date itself.
    assert calendar.add_workdays(date(2024, 11, 4), 0).date == date(2024, 11, 4)


def test_a_deadline_from_a_holiday_starts_counting_on_the_next_working_day() -> None:
    assert calendar.add_workdays(date(2024, 10, 1), 1).date == date(2024, 10, 8)


def test_workdays_between_counts_after_exclusive_through_inclusive() -> None:
    assert calendar.workdays_between(date(2024, 9, 27), date(2024, 10, 30)).workdays == 20
    assert calendar.workdays_between(date(2024, 9, 27), date(2024, 9, 27)).workdays == 0
    # 2024-09-28 (Saturday) through 09-29 (调休 Sunday): one working day.
    assert calendar.workdays_between(date(2024, 9, 28), date(2024, 9, 29)).workdays == 1


def test_workdays_between_is_negative_when_through_is_earlier() -> None:
    assert calendar.workdays_between(date(2024, 10, 30), date(2024, 9, 27)).workdays == -20


def test_add_and_between_agree_across_the_spring_festival_2025() -> None:
    start = date(2025, 1, 20)
    for n in range(0, 40):
        end = calendar.add_workdays(start, n).date
        assert calendar.workdays_between(start, end).workdays == n


def test_2027_without_a_notice_is_provisional_and_follows_weekends() -> None:
    result = calendar.add_workdays(date(2027, 3, 5), 1)  # a Friday
    assert result.date == date(2027, 3, 8)  # the Monday after
    assert result.provisional is True
    assert calendar.is_provisional(2027)
    assert not calendar.is_provisional(2026)


def test_a_deadline_crossing_into_an_unloaded_year_is_provisional() -> None:
    result = calendar.add_workdays(date(2026, 12, 20), 20)
    assert result.provisional is True
    assert result.date == date(2027, 1, 15)
    assert calendar.workdays_between(date(2026, 12, 1), date(2027, 1, 4)).provisional is True
    assert calendar.workdays_between(date(2026, 12, 1), date(2026, 12, 31)).provisional is False


def test_negative_days_are_refused_in_chinese() -> None:
    with pytest.raises(calendar.CalendarError, match="不能为负数"):
        calendar.add_workdays(date(2024, 1, 1), -1)


def test_dates_outside_the_calendar_are_refused_in_chinese() -> None:
    with pytest.raises(calendar.CalendarError, match="超出日历范围"):
        calendar.is_workday(date(1900, 1, 1))
    with pytest.raises(calendar.CalendarError, match="超出日历范围"):
        calendar.add_workdays(date(2100, 12, 1), 400)


def test_the_table_is_seeded_from_the_package_for_2004_to_2026() -> None:
    assert CalendarYear.objects.filter(year__gte=2004, year__lte=2026).count() == 23
    day = CalendarDay.objects.get(date=date(2024, 9, 29))
    assert day.is_workday and day.source == DaySource.NOTICE and day.note == "国庆节调休上班"
    assert CalendarDay.objects.get(date=date(2024, 10, 1)).note == "国庆节放假"
    assert CalendarDay.objects.get(date=date(2024, 10, 9)).source == DaySource.WEEKEND


def test_the_table_agrees_with_the_package_on_every_day() -> None:
    import chinese_calendar

    day = date(2004, 1, 1)
    from datetime import timedelta

    while day <= date(2026, 12, 31):
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_other_processes_see_a_change_after_the_recheck_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    from yimen.core.models import CalendarRevision

    assert calendar.is_workday(date(2024, 11, 5))
    # Another process changes the table and bumps the revision; this one has not been told.
    CalendarDay.objects.filter(date=date(2024, 11, 5)).update(is_workday=False)
    CalendarRevision.bump()
    assert calendar.is_workday(date(2024, 11, 5))  # still trusting its index
    later = memo.clock() + calendar.RECHECK_SECONDS
    monkeypatch.setattr(memo, "clock", lambda: later)
    assert not calendar.is_workday(date(2024, 11, 5))


def test_a_closure_longer_than_the_search_window_still_finds_the_next_working_day() -> None:
    """The bisection looks a few weeks ahead first; a 120-day closure must not fool it."""
    from datetime import timedelta

    from yimen.core.models import CalendarRevision

    first = date(2025, 3, 3)
    CalendarDay.objects.filter(date__gte=first, date__lt=first + timedelta(days=120)).update(is_workday=False)
    CalendarRevision.bump()
    calendar.invalidate()
    reopened = first + timedelta(days=120)  # 2025-07-01, a Tuesday
    assert calendar.add_workdays(date(2025, 2, 28), 1).date == reopened
    assert calendar.workdays_between(date(2025, 2, 28), reopened).workdays == 1
