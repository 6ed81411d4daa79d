"""What rights requests do when other parts of Yimen announce a change."""

from __future__ import annotations

from yimen.core import events
from yimen.privacy.services import recompute_deadlines


@events.handles(events.CALENDAR_CHANGED)
def recompute(message: events.Message[events.CalendarChanged]) -> None:
    """A holiday notice or a closed day moved working days: open requests get their response dates again."""
    recompute_deadlines(since=message.payload.earliest)
