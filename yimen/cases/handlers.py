"""What cases do when other parts of Yimen announce a change."""

from __future__ import annotations

from yimen.cases.deadlines import recompute_open_deadlines
from yimen.cases.events import SUPERVISION_DIGEST, SupervisionDigest
from yimen.core import events


@events.handles(events.CALENDAR_CHANGED)
def recompute_deadlines(message: events.Message[events.CalendarChanged]) -> None:
    """A holiday notice or a closed day moved working days: open cases get their deadlines again."""
    recompute_open_deadlines(message.payload.earliest)


@events.handles(SUPERVISION_DIGEST)
def text_the_supervisors(message: events.Message[SupervisionDigest]) -> None:
    """电子监察日报: each supervisor with a phone gets the red and yellow counts within their reach."""
    from yimen.core import notify
    from yimen.core.errors import ApplicationError
    from yimen.org.models import Organisation, Role, Staff
    from yimen.org.permissions import organisations_for
    from yimen.org.queries import centre

    hall = centre()
    digest = message.payload
    rows = digest.organisations
    codes = dict(Organisation.objects.filter(code__in=[r.code for r in rows]).values_list("code", "id"))
    supervisors = (
        Staff.objects.filter(is_active=True, roles__role=Role.SUPERVISOR).exclude(phone="").distinct()
    )
    for staff in supervisors:
        reach = organisations_for(staff, "supervision.view")
        mine = [r for r in rows if reach is None or codes.get(r.code) in reach]
        red, yellow = sum(r.red for r in mine), sum(r.yellow for r in mine)
        worst = sorted((r for r in mine if r.red), key=lambda r: -r.red)[:3]
        units = "红牌较多：" + "、".join(f"{r.organisation}{r.red}件" for r in worst) + "。" if worst else ""
        try:
            notify.queue_sms(
                phone=staff.phone,
                template="supervision.digest",
                context={
                    "centre": (hall.short_name or hall.name) if hall else "政务服务中心",
                    "date": digest.date.isoformat(),
                    "red": str(red),
                    "yellow": str(yellow),
                    "units": units,
                },
                key=f"sms:supervision.digest:{digest.date.isoformat()}:{staff.pk}",
            )
        except ApplicationError:
            continue  # a staff phone that is not a mobile number gets no SMS
