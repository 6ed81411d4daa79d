"""What rights requests do when other parts of Yimen announce a change."""

from __future__ import annotations

from yimen.core import events
from yimen.privacy import retention
from yimen.privacy.events import RETENTION_DUE
from yimen.privacy.services import recompute_deadlines


@events.handles(events.CALENDAR_CHANGED)
def recompute(message: events.Message[events.CalendarChanged]) -> None:
    """A holiday notice or a closed day moved working days: open requests get their response dates again."""
    recompute_deadlines(since=message.payload.earliest)


@events.handles(RETENTION_DUE)
def purge_for_the_day(message: events.Message[events.Day]) -> None:
    """The day's retention purge (the worker queues it once a day). A repeat of the message finds nothing
    left to anonymise; its run is audited all the same."""
    retention.purge(today=message.payload.day)
