"""The portal's outbox handlers, registered at start-up by CoreConfig.ready()."""

from __future__ import annotations

from yimen.catalog.events import ITEM_PUBLISHED, ItemPublished
from yimen.core import events
from yimen.portal.catalog_views import render_guide


@events.handles(ITEM_PUBLISHED)
def render_published_guide(message: events.Message[ItemPublished]) -> None:
    """Render a newly published guide before anyone asks for it (rendering again is harmless)."""
    render_guide(message.payload.impl_code)
