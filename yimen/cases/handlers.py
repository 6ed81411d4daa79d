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


@events.handles("supervision.digest")
def text_the_supervisors(message: events.Message) -> None:
    """电子监察日报: each supervisor with a phone gets the red and yellow counts within their reach."""
    from yimen.core import notify
    from yimen.core.errors import ApplicationError
    from yimen.org.models import Organisation, Role, Staff
    from yimen.org.permissions import organisations_for
    from yimen.org.queries import centre

    hall = centre()
    rows = message.payload["organisations"]
    codes = dict(Organisation.objects.filter(code__in=[r["code"] for r in rows]).values_list("code", "id"))
    supervisors = (
        Staff.objects.filter(is_active=True, roles__role=Role.SUPERVISOR).exclude(phone="").distinct()
    )
    for staff in supervisors:
        reach = organisations_for(staff, "supervision.view")
        mine = [r for r in rows if reach is None or codes.get(r["code"]) in reach]
        red, yellow = sum(r["red"] for r in mine), sum(r["yellow"] for r in mine)
        worst = sorted((r for r in mine if r["red"]), key=lambda r: -r["red"])[:3]
        units = (
            "红牌较多：" + "、".join(f"{r['organisation']}{r['red']}件" for r in worst) + "。"
            if worst
            else ""
        )
        try:
            notify.queue_sms(
                phone=staff.phone,
                template="supervision.digest",
                context={
                    "centre": (hall.short_name or hall.name) if hall else "政务服务中心",
                    "date": message.payload["date"],
                    "red": str(red),
                    "yellow": str(yellow),
                    "units": units,
                },
                key=f"sms:supervision.digest:{message.payload['date']}:{staff.pk}",
            )
        except ApplicationError:
            continue  # a staff phone that is not a mobile number gets no SMS
