from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from yimen.catalog.limits import format_limit

register = template.Library()


@register.simple_tag
def limit(value: Decimal | str | float | None, unit: str, immediate_word: str = "即办") -> str:
    """{% limit v.promised_limit v.promised_unit %} → 半天 / 3个工作日 / 即办 (JSON limits arrive as text
    or as numbers)."""
    if isinstance(value, Decimal) or value is None:
        return format_limit(value, unit, immediate_word=immediate_word)
    try:
        return format_limit(Decimal(str(value)), unit, immediate_word=immediate_word)
    except InvalidOperation:
        return str(value)
