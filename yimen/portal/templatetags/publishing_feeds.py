"""`{% upper_news_block %}`: the 上级动态 block (the newest entries read from higher-level portals)."""

from __future__ import annotations

from django import template

from yimen.publishing.feed_import import recent_entries

register = template.Library()


@register.inclusion_tag("portal/publishing/upper_news_block.html")
def upper_news_block(limit: int = 8) -> dict[str, object]:
    return {"entries": list(recent_entries(limit))}
