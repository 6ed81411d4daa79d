from __future__ import annotations

from decimal import Decimal

from django import template

from yimen.catalog.limits import format_limit

register = template.Library()


@register.simple_tag
def limit(value: Decimal | None, unit: str, immediate_word: str = "即办") -> str:
    """{% limit v.promised_limit v.promised_unit %} → 半天 / 3个工作日 / 即办."""
    return format_limit(value, unit, immediate_word=immediate_word)
