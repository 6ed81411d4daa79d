"""An administrator loads a year's State Council notice or adjusts a day; deadlines get recomputed."""

from __future__ import annotations

from datetime import date

import pytest

from yimen.core import audit, calendar
from yimen.core.errors import ApplicationError
from yimen.core.events import CALENDAR_CHANGED
from yimen.core.models import AuditEntry, CalendarDay, CalendarYear, DaySource, OutboxMessage
from yimen.core.services import (
    AdjustedWorkday,
    HolidayRange,
    load_holiday_notice,
    notice_from_package,
    set_day,
)

pytestmark = pytest.mark.django_db

# An invented 2027 notice, shaped like the real ones.
HOLIDAYS_2027 = [
    HolidayRange(date(2027, 1, 1), date(2027, 1, 3), "元旦"),
    HolidayRange(date(2027, 2, 6), date(2027, 2, 13), "春节"),
    HolidayRange(date(2027, 10, 1), date(2027, 10, 7), "国庆节"),
]
WORKDAYS_2027 = [AdjustedWorkday(date(2027, 2, 14), "春节"), AdjustedWorkday(date(2027, 10, 9), "国庆节")]


def test_loading_2027_makes_it_final_and_moves_deadlines(cast) -> None:
    before = calendar.add_workdays(date(2027, 2, 5), 5)
    assert before == calendar.WorkdayDate(date(2027, 2, 12), True)

    changed = load_holiday_notice(
        year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, title="2027年通知", by=cast.admin
    )

    after = calendar.add_workdays(date(2027, 2, 5), 5)
    # 02-06..13 off, Sunday 02-14 works: 02-14, 15, 16, 17, 18.
    assert after == calendar.WorkdayDate(date(2027, 2, 18), False)
    assert date(2027, 2, 8) in changed and date(2027, 2, 14) in changed
    assert date(2027, 2, 6) not in changed  # a Saturday was already a rest day
    assert CalendarYear.objects.get(year=2027).notice_title == "2027年通知"
    assert CalendarDay.objects.get(date=date(2027, 10, 9)).note == "国庆节调休上班"


def test_loading_a_notice_emits_the_recompute_event_and_an_audit_entry(cast) -> None:
    load_holiday_notice(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, by=cast.admin)
    event = OutboxMessage.objects.get(name=CALENDAR_CHANGED.name)
    assert event.payload["years"] == [2027]
    assert event.payload["earliest"] == "2027-01-01"
    assert {"2027-10-04", "2027-10-09"} <= set(event.payload["dates"])
    assert "2027-10-08" not in event.payload["dates"]  # a Friday that stays a working day
    entry = AuditEntry.objects.get(action="calendar.notice_loaded")
    assert entry.actor_label == "周管理"
    assert "2027-02-06~2027-02-13 春节" in entry.summary["after"]["holidays"]
    assert audit.verify()[1] is None


def test_reloading_the_package_notice_changes_nothing_and_emits_nothing(cast) -> None:
    holidays, workdays = notice_from_package(2024)
    changed = load_holiday_notice(year=2024, holidays=holidays, workdays=workdays, by=cast.admin)
    assert changed == []
    assert not OutboxMessage.objects.filter(name=CALENDAR_CHANGED.name).exists()


@pytest.mark.parametrize(
    ("holidays", "workdays", "field", "message"),
    [
        (
            [HolidayRange(date(2027, 2, 13), date(2027, 2, 6), "春节")],
            [],
            "holidays",
            "结束日期 2027-02-06 早于开始日期",
        ),
        ([HolidayRange(date(2028, 1, 1), date(2028, 1, 2), "元旦")], [], "holidays", "必须在 2027 年内"),
        ([HolidayRange(date(2027, 1, 1), date(2027, 1, 30), "春节")], [], "holidays", "不能超过 15 天"),
        (HOLIDAYS_2027, [AdjustedWorkday(date(2027, 2, 15), "春节")], "workdays", "必须是周六或周日"),
        (HOLIDAYS_2027, [AdjustedWorkday(date(2027, 2, 7), "春节")], "workdays", "既放假又调休上班"),
    ],
)
def test_an_impossible_notice_is_refused_and_changes_nothing(
    cast, holidays, workdays, field, message
) -> None:
    with pytest.raises(ApplicationError) as caught:
        load_holiday_notice(year=2027, holidays=holidays, workdays=workdays, by=cast.admin)
    assert any(message in m for m in caught.value.fields[field])
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not AuditEntry.objects.filter(action="calendar.notice_loaded").exists()


def test_a_manual_closure_is_a_rest_day_and_survives_a_notice_reload(cast) -> None:
    # A typhoon closes the hall on Friday 2024-11-08.
    assert set_day(day=date(2024, 11, 8), is_workday=False, note="台风停止办公", by=cast.admin)
    assert calendar.add_workdays(date(2024, 11, 7), 1).date == date(2024, 11, 11)
    holidays, workdays = notice_from_package(2024)
    load_holiday_notice(year=2024, holidays=holidays, workdays=workdays, by=cast.admin)
    day = CalendarDay.objects.get(date=date(2024, 11, 8))
    assert (day.is_workday, day.source, day.note) == (False, DaySource.MANUAL, "台风停止办公")
    assert OutboxMessage.objects.filter(name=CALENDAR_CHANGED.name, payload__dates=["2024-11-08"]).exists()


def test_a_manual_change_needs_a_reason(cast) -> None:
    with pytest.raises(ApplicationError) as caught:
        set_day(day=date(2024, 11, 8), is_workday=False, note="  ", by=cast.admin)
    assert "原因" in caught.value.fields["note"][0]
    assert calendar.is_workday(date(2024, 11, 8))
