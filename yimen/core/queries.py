"""Reads of the shared kernel that pages share: a year's calendar, the audit trail."""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from yimen.core import calendar
from yimen.core.models import AuditEntry, CalendarDay, CalendarYear, DaySource
from yimen.core.services import AdjustedWorkday, HolidayRange


@dataclass(frozen=True)
class DayCell:
    date: date
    is_workday: bool
    source: str
    note: str

    @property
    def css(self) -> str:
        classes = []
        if not self.is_workday:
            classes.append("rest")
        elif self.date.weekday() >= 5:
            classes.append("workday-adjusted")
        if self.source == DaySource.MANUAL:
            classes.append("manual")
        return " ".join(classes)


@dataclass(frozen=True)
class Month:
    number: int
    weeks: list[list[DayCell | None]]
    workdays: int


def year_months(year: int) -> list[Month]:
    stored = {d.date: d for d in CalendarDay.objects.filter(date__year=year)}
    months = []
    for month in range(1, 13):
        weeks: list[list[DayCell | None]] = []
        count = 0
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[DayCell | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                row_day = stored.get(day)
                cell = (
                    DayCell(day, row_day.is_workday, row_day.source, row_day.note)
                    if row_day
                    else DayCell(day, calendar.is_workday(day), DaySource.WEEKEND, "")
                )
                count += cell.is_workday
                row.append(cell)
            weeks.append(row)
        months.append(Month(month, weeks, count))
    return months


def loaded_notice(year: int) -> tuple[CalendarYear | None, list[HolidayRange], list[AdjustedWorkday]]:
    """The notice as stored, folded back into ranges, so an administrator can correct and reload it."""
    info = CalendarYear.objects.filter(year=year).first()
    holidays: list[HolidayRange] = []
    workdays: list[AdjustedWorkday] = []
    for day in CalendarDay.objects.filter(date__year=year, source=DaySource.NOTICE).order_by("date"):
        if day.is_workday:
            workdays.append(AdjustedWorkday(day.date, day.note.removesuffix("调休上班")))
            continue
        name = day.note.removesuffix("放假")
        last = holidays[-1] if holidays else None
        if last and last.name == name and (day.date - last.end).days == 1:
            holidays[-1] = HolidayRange(last.start, day.date, name)
        else:
            holidays.append(HolidayRange(day.date, day.date, name))
    return info, holidays, workdays


def audit_trail(organisations: set[int] | None) -> QuerySet[AuditEntry]:
    """Newest first; limited to the given organisations' records unless None (everything)."""
    entries = AuditEntry.objects.order_by("-id")
    if organisations is not None:
        entries = entries.filter(organisation_id__in=organisations)
    return entries
