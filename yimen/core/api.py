"""Working-day calendar API: /api/v1/calendar/add and /api/v1/calendar/between."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from yimen.core import calendar
from yimen.core.api_schema import CalendarDate
from yimen.core.errors import ApplicationError
from yimen.core.validation import label_fields

router = Router(tags=["工作日历"])
label_fields(
    prefix="/api/v1/calendar/", start="起始日期", days="工作日天数", after="起始日期", through="截止日期"
)

MAX_DAYS = 3650


class AddQuery(Schema):
    start: CalendarDate = Field(description="起始日期（不计入），YYYY-MM-DD")
    days: int = Field(ge=0, le=MAX_DAYS, description="工作日天数，0–3650")


class BetweenQuery(Schema):
    after: CalendarDate = Field(description="起始日期（不计入）")
    through: CalendarDate = Field(description="截止日期（计入）")


class DateOut(Schema):
    date: date
    provisional: bool = Field(description="涉及尚未载入国务院放假通知的年份，仅按周末规则计算")


class CountOut(Schema):
    workdays: int
    provisional: bool


def _calendar_error(exc: calendar.CalendarError, field: str) -> ApplicationError:
    return ApplicationError(str(exc), fields={field: [str(exc)]})


@router.get("/add", response=DateOut, summary="起始日期后第 N 个工作日")
def add(request: HttpRequest, q: Query[AddQuery]) -> DateOut:
    try:
        result = calendar.add_workdays(q.start, q.days)
    except calendar.CalendarError as exc:
        raise _calendar_error(exc, "start") from exc
    return DateOut(date=result.date, provisional=result.provisional)


@router.get("/between", response=CountOut, summary="两日期之间的工作日数（不含起始日，含截止日）")
def between(request: HttpRequest, q: Query[BetweenQuery]) -> CountOut:
    try:
        result = calendar.workdays_between(q.after, q.through)
    except calendar.CalendarError as exc:
        raise _calendar_error(exc, "after") from exc
    return CountOut(workdays=result.workdays, provisional=result.provisional)
