"""What publications do when other parts of Yimen announce a change."""

from __future__ import annotations

from yimen.core import events
from yimen.publishing import feed_import  # noqa: F401  (registers feeds.fetch with the worker)
from yimen.publishing.services.publications import recompute_due_dates


@events.handles(events.CALENDAR_CHANGED)
def recompute_due(message: events.Message[events.CalendarChanged]) -> None:
    """A holiday notice or a closed day moved working days: waiting items get their due dates again."""
    recompute_due_dates(since=message.payload.earliest)
