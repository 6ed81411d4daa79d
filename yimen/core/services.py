"""Write paths of the shared kernel: loading holiday notices and adjusting the calendar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from yimen.core import audit, batch, calendar, events
from yimen.core.errors import ApplicationError
from yimen.core.models import CalendarDay, CalendarRevision, CalendarYear, DaySource

# chinesecalendar names its holidays in English; the office reads them in Chinese.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class HolidayRange:
    start: date
    end: date
    name: str


@dataclass(frozen=True)
class AdjustedWorkday:
    date: date
    name: str


def _year_rows(
    year: int, holidays: Iterable[HolidayRange], workdays: Iterable[AdjustedWorkday]
) -> dict[date, tuple[bool, str, str]]:
    rows: dict[date, tuple[bool, str, str]] = {}
    day = date(year, 1, 1)
    while day.year == year:
        rows[day] = (day.weekday() < 5, DaySource.WEEKEND, "")
        day += timedelta(days=1)
    for holiday in holidays:
        day = holiday.start
        while day <= holiday.end:
            rows[day] = (False, DaySource.NOTICE, f"{holiday.name}放假")
            day += timedelta(days=1)
    for workday in workdays:
        rows[workday.date] = (True, DaySource.NOTICE, f"{workday.name}调休上班")
    return rows


def validate_notice(year: int, holidays: list[HolidayRange], workdays: list[AdjustedWorkday]) -> None:
    """Refuse a notice that cannot be right, naming the field and the rule."""
    errors: dict[str, list[str]] = {}
    first, last = date(year, 1, 1), date(year, 12, 31)
    holiday_days: set[date] = set()
    for h in holidays:
        if h.end < h.start:
            errors.setdefault("holidays", []).append(f"{h.name}：结束日期 {h.end} 早于开始日期 {h.start}")
        elif not (first <= h.start and h.end <= last):
            errors.setdefault("holidays", []).append(f"{h.name}：放假日期必须在 {year} 年内")
        elif (h.end - h.start).days >= 15:
            errors.setdefault("holidays", []).append(f"{h.name}：一次放假不能超过 15 天")
        else:
            holiday_days.update(h.start + timedelta(days=i) for i in range((h.end - h.start).days + 1))
    for w in workdays:
        if not first <= w.date <= last:
            errors.setdefault("workdays", []).append(f"{w.date}：调休上班日必须在 {year} 年内")
        elif w.date.weekday() < 5:
            errors.setdefault("workdays", []).append(f"{w.date}：调休上班日必须是周六或周日")
        elif w.date in holiday_days:
            errors.setdefault("workdays", []).append(f"{w.date}：同一天不能既放假又调休上班")
    if errors:
        raise ApplicationError("放假通知有误", fields=errors)


@batch.atomic
def load_holiday_notice(
    *,
    year: int,
    holidays: list[HolidayRange],
    workdays: list[AdjustedWorkday],
    title: str = "",
    by: Any = None,
) -> list[date]:
    """Load (or replace) a year's State Council holiday notice; days an administrator set by hand stay.

    Returns the dates whose working-day status changed; emits `calendar.changed` so stored
    deadlines that depend on them are recomputed.
    """
    validate_notice(year, holidays, workdays)
    rows = _year_rows(year, holidays, workdays)
    manual = set(
        CalendarDay.objects.filter(date__year=year, source=DaySource.MANUAL).values_list("date", flat=True)
    )
    changed = _changed_dates(year, {d: r[0] for d, r in rows.items() if d not in manual})
    CalendarDay.objects.filter(date__year=year).exclude(source=DaySource.MANUAL).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=d, is_workday=w, source=s, note=n)
        for d, (w, s, n) in rows.items()
        if d not in manual
    )
    was_loaded = CalendarYear.objects.filter(year=year).exists()
    CalendarYear.objects.update_or_create(
        year=year,
        defaults={"notice_title": title, "loaded_by": getattr(by, "full_name", "") or str(by or "系统")},
    )
    summary = {
        "holidays": [f"{h.start}~{h.end} {h.name}" for h in holidays],
        "workdays": [f"{w.date} {w.name}" for w in workdays],
        "changed": [d.isoformat() for d in changed],
    }
    audit.record(
        "calendar.notice_loaded",
        actor=by,
        object_type="core.calendaryear",
        object_id=str(year),
        object_repr=f"{year}年放假通知" + (f"《{title}》" if title else ""),
        before={"loaded": was_loaded},
        after=summary,
    )
    _changed(years=[year], dates=changed, was_provisional=not was_loaded)
    return changed


@batch.atomic
def set_day(*, day: date, is_workday: bool, note: str, by: Any = None) -> bool:
    """An administrator's change of one day (e.g. a local closure); returns whether anything changed."""
    if not note.strip():
        raise ApplicationError("请填写调整原因", fields={"note": ["说明：调整某一天必须写明原因"]})
    current = CalendarDay.objects.filter(date=day).first()
    before = current.is_workday if current else calendar.is_workday(day)
    CalendarDay.objects.update_or_create(
        date=day, defaults={"is_workday": is_workday, "source": DaySource.MANUAL, "note": note.strip()[:100]}
    )
    audit.record(
        "calendar.day_set",
        actor=by,
        object_type="core.calendarday",
        object_id=day.isoformat(),
        object_repr=f"{day.isoformat()}",
        before={"is_workday": before},
        after={"is_workday": is_workday, "note": note.strip()},
    )
    changed = [day] if before != is_workday else []
    _changed(years=[day.year], dates=changed, was_provisional=False)
    return bool(changed)


def _changed_dates(year: int, new: dict[date, bool]) -> list[date]:
    return sorted(d for d, w in new.items() if calendar.is_workday(d) != w)


def _changed(*, years: list[int], dates: list[date], was_provisional: bool) -> None:
    CalendarRevision.bump()
    calendar.invalidate()
    if dates or was_provisional:
        events.emit(
            events.CALENDAR_CHANGED,
            events.CalendarChanged(
                years=tuple(years),
                dates=tuple(dates),
                earliest=min(dates) if dates else date(min(years), 1, 1),
            ),
        )


def notice_from_package(year: int) -> tuple[list[HolidayRange], list[AdjustedWorkday]]:
    """A year's notice as the chinesecalendar package records it (2004–2026 in its 1.x releases)."""
    from chinese_calendar import constants

    holidays: list[HolidayRange] = []
    for day, name in sorted(constants.holidays.items()):
        if day.year != year:
            continue
        label = HOLIDAY_NAMES.get(str(name), str(name))
        if holidays and holidays[-1].name == label and holidays[-1].end + timedelta(days=1) == day:
            holidays[-1] = HolidayRange(holidays[-1].start, day, label)
        else:
            holidays.append(HolidayRange(day, day, label))
    workdays = [
        AdjustedWorkday(day, HOLIDAY_NAMES.get(str(name), str(name)))
        for day, name in sorted(constants.workdays.items())
        if day.year == year
    ]
    return holidays, workdays


def package_years() -> range:
    from chinese_calendar import constants

    return range(min(constants.holidays).year, max(constants.holidays).year + 1)


def seed_calendar(years: Iterable[int] | None = None) -> list[int]:
    """Load every year the package knows that is not loaded yet (run by `yimen migrate`)."""
    loaded = set(CalendarYear.objects.values_list("year", flat=True))
    done = []
    for year in years or package_years():
        if year in loaded:
            continue
        holidays, workdays = notice_from_package(year)
        with transaction.atomic():
            rows = _year_rows(year, holidays, workdays)
            CalendarDay.objects.bulk_create(
                CalendarDay(date=d, is_workday=w, source=s, note=n) for d, (w, s, n) in rows.items()
            )
            CalendarYear.objects.create(
                year=year,
                notice_title=f"国务院办公厅关于{year}年部分节假日安排的通知",
                loaded_by="chinesecalendar",
            )
        done.append(year)
    if done:
        CalendarRevision.bump()
        calendar.invalidate()
    return done
