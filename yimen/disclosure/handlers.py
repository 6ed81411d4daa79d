"""What disclosure requests do when other parts of Yimen announce a change."""

from __future__ import annotations

from datetime import date

from yimen.core import events
from yimen.core.services import CALENDAR_CHANGED
from yimen.disclosure.clock_services import recompute


@events.handles(CALENDAR_CHANGED)
def recompute_deadlines(message: events.Message) -> None:
    """A holiday notice or a closed day moved working days: open requests get their deadlines again."""
    recompute(since=date.fromisoformat(message.payload["earliest"]))
