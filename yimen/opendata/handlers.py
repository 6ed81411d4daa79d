"""What open data does when other parts of Yimen announce something: the daily refresh."""

from __future__ import annotations

from yimen.core import events
from yimen.opendata import services
from yimen.opendata.events import REFRESH_DUE
from yimen.privacy.events import RETENTION_DUE


@events.handles(REFRESH_DUE)
def refresh_for_the_day(message: events.Message[events.Day]) -> None:
    """The published data sets due by their 更新频率 are generated again (the worker queues this daily). A
    repeat of the message finds them generated already and not due."""
    services.refresh_due(today=message.payload.day)


@events.handles(RETENTION_DUE)
def purge_old_applications(message: events.Message[events.Day]) -> None:
    """With the day's personal-data purge: applications' contact data past their retention."""
    services.purge_applications(today=message.payload.day)
