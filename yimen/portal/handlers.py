"""The portal's outbox handlers, registered at start-up by CoreConfig.ready()."""

from __future__ import annotations

from yimen.catalog.services import ITEM_PUBLISHED
from yimen.core import events
from yimen.portal.catalog_views import render_guide


@events.handles(ITEM_PUBLISHED)
def render_published_guide(message: events.Message) -> None:
    """Render a newly published guide before anyone asks for it (rendering again is harmless)."""
    render_guide(str(message.payload["impl_code"]))
