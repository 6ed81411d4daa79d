"""What cases do when other parts of Yimen announce a change."""

from __future__ import annotations

from datetime import date

from yimen.cases.services import recompute_open_deadlines
from yimen.core import events
from yimen.core.services import CALENDAR_CHANGED


@events.handles(CALENDAR_CHANGED)
def recompute_deadlines(message: events.Message) -> None:
    """A holiday notice or a closed day moved working days: open cases get their deadlines again."""
    recompute_open_deadlines(date.fromisoformat(message.payload["earliest"]))
