"""What cases do when other parts of Yimen announce a change."""

from __future__ import annotations

from datetime import date

from yimen.cases.deadlines import recompute_open_deadlines
from yimen.core import events
from yimen.core.services import CALENDAR_CHANGED


@events.handles(CALENDAR_CHANGED)
def recompute_deadlines(message: events.Message) -> None:
    """A holiday notice or a closed day moved working days: open cases get their deadlines again."""
    recompute_open_deadlines(date.fromisoformat(message.payload["earliest"]))


@events.handles("workorder.replied")
def text_the_reply(message: events.Message) -> None:
    """差评整改: the applicant reads the organisation's reply by SMS."""
    from yimen.cases.models import Case
    from yimen.core import notify
    from yimen.org.queries import centre

    case = Case.objects.filter(number=message.payload["number"]).first()
    if case is None:
        return
    hall = centre()
    notify.queue_sms(
        phone=case.phone,
        template="workorder.replied",
        context={
            "centre": (hall.short_name or hall.name) if hall else "政务服务中心",
            "number": case.number,
            "reply": message.payload["reply"][:200],
        },
        key=f"sms:workorder.replied:{message.payload['work_order']}",
    )
