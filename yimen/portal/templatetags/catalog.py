from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from yimen.catalog.limits import format_limit

register = template.Library()


@register.simple_tag
def limit(value: Decimal | str | None, unit: str, immediate_word: str = "即办") -> str:
    """{% limit v.promised_limit v.promised_unit %} → 半天 / 3个工作日 / 即办 (JSON limits arrive as text)."""
    if isinstance(value, str):
        try:
            return format_limit(Decimal(value), unit, immediate_word=immediate_word)
        except InvalidOperation:
            return value
    return format_limit(value, unit, immediate_word=immediate_word)
