"""What every API app's schemas share: the error body, and enums published under their own field.

Two apps' enums may share a class name (cases' and disclosure's `DeliveryMethod`); OpenAPI components
are keyed by name, so one would be published for both. `choice_schema` inlines an enum's values where
the field is, so each field lists exactly the values its server takes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.conf import settings
from django.db.models import TextChoices
from ninja import Schema
from pydantic import AfterValidator, Field, WithJsonSchema


class ErrorOut(Schema):
    """Every refusal: a Chinese message, and per field the rules it broke."""

    message: str = Field(description="中文说明")
    fields: dict[str, list[str]] = Field(description="各字段的错误（字段名 → 说明）")


def choice_schema(choices: type[TextChoices]) -> dict[str, Any]:
    labels = "；".join(f"{value} {label}" for value, label in choices.choices)
    return {"type": "string", "enum": list(choices.values), "description": labels}


def _calendar_years() -> tuple[int, int]:
    return settings.YIMEN["CALENDAR_FIRST_YEAR"], settings.YIMEN["CALENDAR_LAST_YEAR"]


def _in_calendar(day: date) -> date:
    first, last = _calendar_years()
    if not first <= day.year <= last:
        raise ValueError(f"超出日历范围（{first}–{last} 年）")  # after the field's label: 起始日期超出…
    return day


def _calendar_date_schema() -> dict[str, Any]:
    """A date whose year the working-day calendar covers, as a pattern (JSON Schema has no date bounds)."""
    first, last = _calendar_years()
    years = "|".join(str(y) for y in range(first, last + 1))
    return {
        "type": "string",
        "format": "date",
        "pattern": rf"^({years})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        "description": f"YYYY-MM-DD，{first}–{last} 年（工作日历的范围）",
    }


# A date counted on the working-day calendar: the server refuses one outside it, and the schema says so.
CalendarDate = Annotated[date, AfterValidator(_in_calendar), WithJsonSchema(_calendar_date_schema())]
