"""What every API app's schemas share: the error body, and enums published under their own field.

Two apps' enums may share a class name (cases' and disclosure's `DeliveryMethod`); OpenAPI components
are keyed by name, so one would be published for both. `choice_schema` inlines an enum's values where
the field is, so each field lists exactly the values its server takes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices
from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    """Every refusal: a Chinese message, and per field the rules it broke."""

    message: str = Field(description="中文说明")
    fields: dict[str, list[str]] = Field(description="各字段的错误（字段名 → 说明）")


def choice_schema(choices: type[TextChoices]) -> dict[str, Any]:
    labels = "；".join(f"{value} {label}" for value, label in choices.choices)
    return {"type": "string", "enum": list(choices.values), "description": labels}
