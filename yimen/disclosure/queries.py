"""Reads of disclosure requests shared by the desk, the tracking page, the API and the annual report.

`visible` is the one rule for who sees a request — the office's desk and pages, the letters and every
API read and step ask it (`request_for`) before anything about the request's state or version, so a
request of an organisation one does not handle answers exactly as an unknown number (404).

Overdue and due soon are answered by the database from the stored `due_on` (never stored themselves):
red when an open request is past its deadline, yellow when it has at most N working days left, N being
settings.YIMEN["DISCLOSURE_YELLOW_DAYS_LEFT"] (default: the cases' YELLOW_DAYS_LEFT).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from yimen.core import calendar
from yimen.core.errors import NotPermitted
from yimen.core.fields import matching
from yimen.core.identity import normalize
from yimen.core.people import tail_matches
from yimen.disclosure.deadlines import OPEN_STATES
from yimen.disclosure.models import DisclosureRequest, FeeNotice, RequestEvent
from yimen.disclosure.workflow import NEEDS
from yimen.org.permissions import can, organisations_for

ACTION = "disclosure.handle"
NOT_FOUND = "没有该申请编号的申请"
# 条例第三十三条: the steps that need more than handling the request, and what the others are told.
REFUSED = {"extend": "延期答复须经政府信息公开工作机构负责人同意（条例第三十三条）"}


def visible(staff: Any) -> QuerySet[DisclosureRequest]:
    """The requests of the organisations `staff` handles (theirs and below)."""
    found = DisclosureRequest.objects.select_related("organisation")
    reach = organisations_for(staff, ACTION)
    return found if reach is None else found.filter(organisation_id__in=reach)


def request_for(staff: Any, key: int | str, *, step: str = "") -> DisclosureRequest:
    """The request with primary key `key` (an int) or 申请编号 `key` (a str) if `staff` may see it, else
    Http404 — the same for an unknown request. With `step` (a workflow action), NotPermitted (403) unless
    their role allows it."""
    found = visible(staff)
    found = found.filter(pk=key) if isinstance(key, int) else found.filter(number=normalize(key))
    request = found.first()
    if request is None:
        raise Http404(NOT_FOUND)
    if step and not can(staff, NEEDS.get(step, ACTION), request):
        raise NotPermitted(REFUSED.get(step, "您无权办理该申请"))
    return request


def open_requests(staff: Any) -> QuerySet[DisclosureRequest]:
    """Not yet answered, soonest deadline first."""
    return visible(staff).filter(state__in=OPEN_STATES).order_by("due_on", "id")


def yellow_days() -> int:
    return int(settings.YIMEN["DISCLOSURE_YELLOW_DAYS_LEFT"])


def due_soon_cutoff(today: date) -> date:
    """Due on or before this day means at most N working days left."""
    return calendar.add_workdays(today, yellow_days()).date


def due_soon(staff: Any, today: date) -> QuerySet[DisclosureRequest]:
    """Yellow: open, not overdue, at most N working days left."""
    return open_requests(staff).filter(due_on__gte=today, due_on__lte=due_soon_cutoff(today))


def overdue(staff: Any, today: date) -> QuerySet[DisclosureRequest]:
    """Red: open and past its deadline."""
    return open_requests(staff).filter(due_on__lt=today)


def card(request: DisclosureRequest, today: date) -> str:
    """ "red", "yellow" or "" for one request (the same rule as the queues)."""
    if request.state not in OPEN_STATES:
        return ""
    if request.due_on < today:
        return "red"
    return "yellow" if request.due_on <= due_soon_cutoff(today) else ""


def counts_by_state(staff: Any, today: date) -> dict[str, int]:
    """The desk's queue sizes: each open state, and the yellow and red counts, in one query."""
    cutoff = due_soon_cutoff(today)
    open_ = Q(state__in=OPEN_STATES)
    row = visible(staff).aggregate(
        **{str(state): Count("id", filter=Q(state=state)) for state in OPEN_STATES},
        yellow=Count("id", filter=open_ & Q(due_on__gte=today, due_on__lte=cutoff)),
        red=Count("id", filter=open_ & Q(due_on__lt=today)),
    )
    return {key: int(value) for key, value in row.items()}


def find(staff: Any, text: str) -> QuerySet[DisclosureRequest]:
    """Search by number, applicant, the information described, or a whole ID number or phone (sealed,
    found through their blind indexes), newest first."""
    text = text.strip()
    found = visible(staff)
    if text:
        found = found.filter(
            Q(number__icontains=text)
            | Q(applicant_name__icontains=text)
            | Q(description__icontains=text)
            | matching(DisclosureRequest, "id_number", text)
            | matching(DisclosureRequest, "phone", text)
        )
    return found.order_by("-received_on", "-id")


def lookup(number: str, code: str, tail: str | None = None) -> DisclosureRequest | None:
    """The public tracking page: a request by its number and 查询码 (and, when a second factor is asked
    for, the last four digits of its phone: core/people.py `tail_matches`), or None."""
    number, code = number.strip(), code.strip()
    if not number or not code or "\x00" in number + code:  # no number or code holds NUL (PostgreSQL refuses it)
        return None
    found = (
        DisclosureRequest.objects.select_related("organisation", "reply")
        .filter(number=number, query_code=code)
        .first()
    )
    if found is None or not tail_matches(phone=found.phone, id_number=found.id_number, given=tail):
        return None
    return found


def timeline(request: DisclosureRequest, *, public_only: bool = True) -> QuerySet[RequestEvent]:
    """The request's steps in order; the applicant sees the public ones."""
    events = request.events.select_related("by").order_by("on", "at", "id")
    return events.filter(public=True) if public_only else events


def fee_totals(organisation_ids: list[int] | None, year: int) -> dict[str, Decimal | int]:
    """信息处理费 paid in `year` (the annual report's 其他需要报告的事项): count and sum, by the database."""
    fees = FeeNotice.objects.filter(paid_on__year=year)
    if organisation_ids is not None:
        fees = fees.filter(request__organisation_id__in=organisation_ids)
    row = fees.aggregate(count=Count("id"), amount=Coalesce(Sum("amount"), Decimal(0)))
    return {"count": int(row["count"]), "amount": Decimal(row["amount"])}
