"""A disclosure request as its applicant and its officers see it outside the office pages: the portal's
tracking page and the API share these views, the reply letter's download and the lookup of a
publication the reply points to."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from yimen.core import documents
from yimen.core.downloads import file_response
from yimen.core.errors import ApplicationError
from yimen.core.identity import mask_name
from yimen.disclosure import deadlines, letters, queries
from yimen.disclosure.models import DisclosureRequest
from yimen.publishing.models import Publication, PublicationState


def _clarification(request: DisclosureRequest) -> dict[str, Any] | None:
    pending = request.clarifications.filter(received_on__isnull=True).order_by("-notified_on").first()
    if pending is None:
        return None
    return {"items": pending.items, "deadline_on": pending.deadline_on, "notified_on": pending.notified_on}


def _fee(request: DisclosureRequest) -> dict[str, Any] | None:
    fee = getattr(request, "fee_notice", None)
    if fee is None:
        return None
    return {
        "method": fee.get_method_display(),
        "amount": f"{fee.amount:.2f}",
        "issued_on": fee.issued_on,
        "pay_by": fee.pay_by,
        "paid_on": fee.paid_on,
    }


def public_view(request: DisclosureRequest) -> dict[str, Any]:
    """What the applicant sees: their request with a masked name, the clock explained, the public
    steps of its history, what is asked of them, and whether the letter is ready."""
    today = timezone.localdate()
    events = queries.timeline(request)
    return {
        "number": request.number,
        "organisation": request.organisation.name,
        "applicant": mask_name(request.applicant_name),
        "state": request.state,
        "state_label": request.get_state_display(),
        "outcome": request.outcome,
        "outcome_label": request.get_outcome_display() if request.outcome else "",
        "received_on": request.received_on,
        "rules": request.rules,
        "due_on": request.due_on,
        "due_provisional": request.due_provisional,
        "overdue": deadlines.is_overdue(request, today),
        "replied_on": request.replied_on,
        "clock": [vars(step) for step in deadlines.explain(request)],
        "timeline": [
            {"on": e.on, "kind": e.kind, "label": e.get_kind_display(), "note": e.note} for e in events
        ],
        "clarification": _clarification(request),
        "fee": _fee(request),
        "letter": hasattr(request, "reply"),
    }


def staff_view(request: DisclosureRequest) -> dict[str, Any]:
    return public_view(request) | {
        "id": request.pk,
        "query_code": request.query_code,
        "lock_version": request.lock_version,
        "applicant": request.applicant_name,
        "applicant_name": request.applicant_name,
        "applicant_type": request.applicant_type,
        "channel": request.channel,
        "submitted_on": request.submitted_on,
        "clock_start_on": request.clock_start_on,
        "paused_workdays": request.paused_workdays,
        "extension_workdays": request.extension_workdays,
        "consultations": list(
            request.consultations.values(
                "id", "party_kind", "party_name", "sent_on", "reply_due_on", "replied_on"
            )
        ),
        "appeals": list(request.appeals.values("id", "kind", "filed_on", "body", "result", "decided_on")),
    }


def letter_problem(request: DisclosureRequest, fmt: str) -> str:
    """Why the request's letter cannot be had in `fmt`, or "" when it can."""
    if fmt not in documents.MIME:
        return "告知书格式只能是 pdf 或 docx"
    if not hasattr(request, "reply"):
        return "该申请尚未答复，没有告知书"
    return ""


def letter_response(request: DisclosureRequest, fmt: str) -> HttpResponse:
    """The reply letter (告知书) as PDF or DOCX, named after the request (see `letter_problem` first)."""
    render = letters.letter_pdf if fmt == "pdf" else letters.letter_docx
    return file_response(
        render(request),
        filename=f"政府信息公开申请答复告知书-{request.number}.{fmt}",
        fallback=f"letter-{request.number}.{fmt}",
        content_type=documents.MIME[fmt],
    )


def publication_by_index(number: str) -> Publication | None:
    """A published publication by its 索引号 (None for a blank one), or a field error."""
    number = number.strip()
    if not number:
        return None
    found = Publication.objects.filter(index_number=number, state=PublicationState.PUBLISHED).first()
    if found is None:
        message = f"已主动公开信息的索引号：没有索引号为 {number} 的已公开信息"
        raise ApplicationError(message, fields={"publication": [message]})
    return found
