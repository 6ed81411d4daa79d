"""{% load online_apply %}: whether a guide offers 在线申办 (one rule, shared with the apply page)."""

from __future__ import annotations

from django import template

from yimen.cases.services.intake import accepts_online as _accepts_online
from yimen.catalog.models import ItemVersion

register = template.Library()


@register.filter
def accepts_online(version: ItemVersion) -> bool:
    return _accepts_online(version)
