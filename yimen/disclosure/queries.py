"""Reads of disclosure requests shared by the desk, the tracking page, the API and the annual report.

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

from yimen.core import calendar
from yimen.disclosure.deadlines import OPEN_STATES
from yimen.disclosure.models import DisclosureRequest, FeeNotice, RequestEvent
from yimen.org.permissions import organisations_for

ACTION = "disclosure.handle"


def visible(staff: Any) -> QuerySet[DisclosureRequest]:
    """The requests of the organisations `staff` handles (theirs and below)."""
    found = DisclosureRequest.objects.select_related("organisation")
    reach = organisations_for(staff, ACTION)
    return found if reach is None else found.filter(organisation_id__in=reach)


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
    """Search by number, applicant or the information described, newest first."""
    text = text.strip()
    found = visible(staff)
    if text:
        found = found.filter(
            Q(number__icontains=text) | Q(applicant_name__icontains=text) | Q(description__icontains=text)
        )
    return found.order_by("-received_on", "-id")


def lookup(number: str, code: str) -> DisclosureRequest | None:
    """The public tracking page: a request by its number and 查询码, or None."""
    number, code = number.strip(), code.strip()
    if not number or not code:
        return None
    return (
        DisclosureRequest.objects.select_related("organisation", "reply")
        .filter(number=number, query_code=code)
        .first()
    )


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
