"""The desk's requests in the import's layout: the “申请” sheet (with a few columns for the reader that the
import computes again), and the “征求意见” and “复议诉讼” sheets of those requests, so an export of one
Yimen imports into another with its numbers, consultations and appeals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import QuerySet, TextChoices

from yimen.core import spreadsheet
from yimen.disclosure import deadlines
from yimen.disclosure.import_linked import (
    APPEAL_HEADERS,
    APPEALS,
    CONSULTATION_HEADERS,
    CONSULTATIONS,
    PENDING,
)
from yimen.disclosure.import_rows import EXPORT_HEADERS, HEADERS, SHEET
from yimen.disclosure.models import (
    Appeal,
    Channel,
    Consultation,
    DisclosureRequest,
    EventKind,
    FeeMethod,
    Outcome,
)


def _label(choices: type[TextChoices], value: str) -> str:
    return str(choices(value).label) if value else ""


def export_rows(requests: QuerySet[DisclosureRequest], today: date) -> Iterable[list[Any]]:
    """Each request as a row of EXPORT_HEADERS (the first 延期 and the 补正 and fee as recorded)."""
    found = requests.select_related("organisation", "fee_notice", "reply").prefetch_related(
        "clarifications", "events"
    )
    for r in found.iterator(chunk_size=500):
        clarification = next(iter(r.clarifications.all()), None)
        extensions = [e for e in r.events.all() if e.kind == EventKind.EXTENDED]
        closed = [e.on for e in r.events.all() if e.kind == EventKind.CLOSED]
        fee = getattr(r, "fee_notice", None)
        answer = getattr(r, "reply", None)
        yield [
            r.number, r.get_state_display(), r.received_on, r.rules, r.due_on,
            "是" if deadlines.is_overdue(r, today) or deadlines.answered_late(r) else "否",
            r.organisation.code, r.get_applicant_type_display(), r.applicant_name, r.id_number, r.uscc,
            r.legal_representative, r.contact_person, r.phone, r.email, r.address, r.postcode, r.description,
            r.get_form_wanted_display(), r.get_delivery_method_display(), r.get_channel_display(),
            r.submitted_on, r.received_on if r.channel == Channel.REGISTERED_MAIL else None,
            r.received_on if r.channel in (Channel.ORDINARY_MAIL, Channel.FAX, Channel.EMAIL) else None,
            clarification.notified_on if clarification else None, clarification.items if clarification else "",
            clarification.deadline_on if clarification else None,
            clarification.received_on if clarification else None, clarification.content if clarification else "",
            r.extension_workdays or None, extensions[0].on if extensions else None,
            "；".join(e.note for e in extensions),
            _label(FeeMethod, fee.method) if fee else "", fee.quantity if fee else None,
            fee.issued_on if fee else None, fee.paid_on if fee else None,
            r.replied_on, _label(Outcome, r.outcome), answer.reasons if answer else "",
            answer.how_to_obtain if answer else "", answer.pages if answer else None, r.delivered_on,
            closed[-1] if closed else None,
        ]  # fmt: skip


def consultation_rows(requests: QuerySet[DisclosureRequest]) -> Iterable[list[Any]]:
    """The consultations of the requests, as rows of CONSULTATION_HEADERS."""
    found = Consultation.objects.filter(request__in=requests.values("pk")).select_related("request")
    for c in found.order_by("-request__received_on", "-request_id", "sent_on", "id").iterator(chunk_size=500):
        yield [c.request.number, c.get_party_kind_display(), c.party_name, c.sent_on, c.replied_on, c.opinion]


def appeal_rows(requests: QuerySet[DisclosureRequest]) -> Iterable[list[Any]]:
    """The 行政复议 and 行政诉讼 of the requests, as rows of APPEAL_HEADERS."""
    found = Appeal.objects.filter(request__in=requests.values("pk")).select_related("request")
    for a in found.order_by("-request__received_on", "-request_id", "filed_on", "id").iterator(
        chunk_size=500
    ):
        result = a.get_result_display() if a.result else PENDING
        yield [a.request.number, a.get_kind_display(), a.filed_on, a.body, a.reference, result, a.decided_on]


def export_workbook(requests: QuerySet[DisclosureRequest], today: date) -> bytes:
    """The requests, their consultations and their appeals as one .xlsx the import reads back."""
    return spreadsheet.workbook_bytes(
        [
            (SHEET, EXPORT_HEADERS, export_rows(requests, today)),
            (CONSULTATIONS, CONSULTATION_HEADERS, consultation_rows(requests)),
            (APPEALS, APPEAL_HEADERS, appeal_rows(requests)),
        ]
    )


def template_workbook() -> bytes:
    """An empty workbook in the import's layout."""
    return spreadsheet.workbook_bytes(
        [(SHEET, HEADERS, []), (CONSULTATIONS, CONSULTATION_HEADERS, []), (APPEALS, APPEAL_HEADERS, [])]
    )
