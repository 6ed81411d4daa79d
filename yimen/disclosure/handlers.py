"""What disclosure requests do when other parts of Yimen announce a change."""

from __future__ import annotations

from yimen.core import events
from yimen.disclosure.services.clock import recompute


@events.handles(events.CALENDAR_CHANGED)
def recompute_deadlines(message: events.Message[events.CalendarChanged]) -> None:
    """A holiday notice or a closed day moved working days: open requests get their deadlines again."""
    recompute(since=message.payload.earliest)
