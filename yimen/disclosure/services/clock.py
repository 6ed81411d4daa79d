"""Steps that move the answer clock: 补正 (条例第三十条) restarts it, 征求意见 (第三十二条、第三十四条)
pauses it, 延期 (第三十三条) and a 第三十五条 deadline lengthen it. Each recomputes the stored deadline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from yimen.core import batch, calendar
from yimen.core.errors import TransitionError
from yimen.disclosure import clock, deadlines
from yimen.disclosure.events import (
    CLARIFICATION_RECEIVED,
    CLARIFICATION_REQUESTED,
    CLOSED,
    CONSULTATION_ENDED,
    CONSULTATION_STARTED,
    CUSTOM_DEADLINE,
    EXTENDED,
    RECOMPUTED,
)
from yimen.disclosure.models import (
    Clarification,
    Consultation,
    ConsultationParty,
    DisclosureRequest,
    EventKind,
    FeeNotice,
    Outcome,
    RequestEvent,
)
from yimen.disclosure.workflow import (
    S,
    close_with,
    event,
    locked,
    not_before,
    record,
    refused,
    required,
    save,
    today,
)
from yimen.org.models import Staff

# --- 补正 (条例第三十条) ---------------------------------------------------------------------------------


@batch.atomic
def request_clarification(
    *,
    request: DisclosureRequest,
    by: Staff | None,
    items: str | Sequence[str],
    deadline_on: date,
    on: date,
    expected_version: int | None = None,
) -> DisclosureRequest:
    """条例第三十条: one notice (一次性告知), within 7 working days of receipt, listing everything to
    complete and a reasonable deadline; the answer period will run from the supplement's receipt."""
    lines = [items] if isinstance(items, str) else list(items)
    text = "\n".join(line.strip() for line in lines if line.strip())
    required(text, "items", "需要补正的事项")
    request, target = locked(request, "request_clarification", by, expected_version)
    if request.clarifications.exists():
        raise TransitionError("补正应一次性告知，本申请已告知过补正（条例第三十条）")
    not_before(on, request.received_on, "on", "告知日期", "收到申请之日")
    latest = deadlines.clarification_notice_by(request.received_on)
    if on > latest:
        raise refused(
            "on",
            "告知补正已超过7个工作日",
            f"告知日期：应在收到申请之日起7个工作日内，即不晚于{latest:%Y-%m-%d}（条例第三十条）",
        )
    if deadline_on <= on:
        raise refused("deadline_on", "补正期限不合理", "补正期限：应晚于告知日期")
    Clarification.objects.create(request=request, notified_on=on, items=text, deadline_on=deadline_on)
    save(request, target, clock=True)
    event(request, EventKind.CLARIFICATION_REQUESTED, by, on, note=text)
    record(request, CLARIFICATION_REQUESTED, by, deadline_on=deadline_on)
    return request


@batch.atomic
def receive_clarification(
    *,
    request: DisclosureRequest,
    by: Staff | None,
    content: str,
    on: date,
    expected_version: int | None = None,
) -> DisclosureRequest:
    """The supplement arrives (online from the applicant, `by` None, or recorded by the officer): the
    answer period starts again from that day (条例第三十条)."""
    content = required(content, "content", "补正内容")
    request, target = locked(request, "receive_clarification", by, expected_version)
    clarification = request.clarifications.get()
    not_before(on, clarification.notified_on, "on", "收到补正日期", "告知补正日期")
    if by is None and on > clarification.deadline_on:
        raise TransitionError(f"补正期限已于{clarification.deadline_on:%Y-%m-%d}届满，请与受理机关联系")
    clarification.received_on, clarification.content = on, content
    clarification.save(update_fields=["received_on", "content"])
    save(request, target, clock=True)
    rules = clock.RULES[request.rules]
    event(request, EventKind.CLARIFICATION_RECEIVED, by, on, workdays=rules.reply_workdays)
    record(request, CLARIFICATION_RECEIVED, by, due_on=request.due_on)
    return request


@batch.atomic
def expire_clarification(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """No supplement by the deadline: 视为放弃申请 (条例第三十条), counted as 其他处理-1."""
    request, target = locked(request, "expire_clarification", by, expected_version)
    clarification = request.clarifications.get()
    if on <= clarification.deadline_on:
        raise refused(
            "on",
            "补正期限尚未届满",
            f"办结日期：补正期限{clarification.deadline_on:%Y-%m-%d}届满后才能按逾期未补正办结",
        )
    not_before(on, clarification.notified_on, "on", "办结日期", "告知补正日期")
    close_with(request, target, Outcome.NO_CLARIFICATION, by, on, EventKind.CLARIFICATION_EXPIRED)
    record(request, CLOSED, by, outcome=request.outcome)
    return request


# --- 征求意见 (条例第三十二条、第三十四条) -------------------------------------------------------------------


@batch.atomic
def start_consultation(
    *,
    request: DisclosureRequest,
    by: Staff | None,
    party_kind: str,
    party_name: str,
    sent_on: date,
    expected_version: int | None = None,
) -> Consultation:
    """A written request for the opinion of a third party (第三十二条) or another agency (第三十四条);
    they have 15 working days, and the time is not counted in the answer period (第三十三条第三款)."""
    if party_kind not in ConsultationParty.values:
        raise refused("party_kind", "征求意见对象不正确", "对象：只能是第三方或其他机关")
    party_name = required(party_name, "party_name", "对象名称")
    request, target = locked(request, "start_consultation", by, expected_version)
    not_before(sent_on, request.received_on, "sent_on", "发出日期", "收到申请之日")
    consultation = Consultation.objects.create(
        request=request,
        party_kind=party_kind,
        party_name=party_name,
        sent_on=sent_on,
        reply_due_on=calendar.add_workdays(sent_on, clock.CONSULTATION_WORKDAYS).date,
    )
    save(request, target, clock=True)
    event(request, EventKind.CONSULTATION_STARTED, by, sent_on, note=ConsultationParty(party_kind).label)
    record(request, CONSULTATION_STARTED, by, party=party_name, reply_due_on=consultation.reply_due_on)
    return consultation


@batch.atomic
def end_consultation(
    *,
    consultation: Consultation,
    by: Staff | None,
    replied_on: date,
    opinion: str,
    expected_version: int | None = None,
) -> Consultation:
    """The opinion is back (or the 15 working days passed without one): the clock runs again once no
    other consultation is open."""
    opinion = required(opinion, "opinion", "意见")
    request, _ = locked(consultation.request, "end_consultation", by, expected_version)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.replied_on is not None:
        raise TransitionError(f"已于{consultation.replied_on:%Y-%m-%d}收回意见，不能重复登记")
    not_before(replied_on, consultation.sent_on, "replied_on", "收回日期", "发出日期")
    consultation.replied_on, consultation.opinion = replied_on, opinion[:200]
    consultation.save(update_fields=["replied_on", "opinion"])
    still_open = request.consultations.filter(replied_on__isnull=True).exists()
    before = request.paused_workdays
    save(request, S.CONSULTING if still_open else S.IN_PROGRESS, clock=True)
    event(
        request,
        EventKind.CONSULTATION_ENDED,
        by,
        replied_on,
        note=consultation.get_party_kind_display(),
        workdays=request.paused_workdays - before,
    )
    record(request, CONSULTATION_ENDED, by, paused_workdays=request.paused_workdays)
    return consultation


# --- 延期 (第三十三条) and 第三十五条 ---------------------------------------------------------------------


@batch.atomic
def extend(
    *,
    request: DisclosureRequest,
    by: Staff | None,
    workdays: int,
    reason: str,
    on: date,
    expected_version: int | None = None,
) -> DisclosureRequest:
    """延期答复 (条例第三十三条第二款; 2008: 第二十四条): approved by the head of the office, the applicant
    told, at most 20 working days in all (15 under the 2008 regulation), decided before the deadline."""
    reason = required(reason, "reason", "延期理由")
    request, target = locked(request, "extend", by, expected_version)
    rules = clock.RULES[request.rules]
    room = rules.max_extension - request.extension_workdays
    if not 1 <= workdays <= room:
        raise refused(
            "workdays",
            "延期天数超出规定",
            f"延长工作日：1至{room}个工作日（{rules.code}年条例最长延长{rules.max_extension}个工作日）",
        )
    not_before(on, request.received_on, "on", "延期日期", "收到申请之日")
    if on > request.due_on:
        raise refused(
            "on", "答复期限已过，不能延期", f"延期日期：应在答复期限{request.due_on:%Y-%m-%d}届满前"
        )
    step = event(request, EventKind.EXTENDED, by, on, note=reason, workdays=workdays)
    save(request, target, clock=True)
    step.due_after = request.due_on
    step.save(update_fields=["due_after"])
    record(request, EXTENDED, by, workdays=workdays, due_on=request.due_on)
    return request


@batch.atomic
def set_custom_deadline(
    *,
    request: DisclosureRequest,
    by: Staff | None,
    due_on: date,
    reason: str,
    on: date | None = None,
    expected_version: int | None = None,
) -> DisclosureRequest:
    """条例第三十五条: the number or frequency of requests clearly exceeds a reasonable range, the reasons
    given are reasonable, but the answer cannot come within 第三十三条's period: a later deadline is set
    and the applicant told. It can only be later than the statutory one."""
    reason = required(reason, "reason", "理由")
    request, target = locked(request, "set_custom_deadline", by, expected_version)
    on = on or today()
    not_before(on, request.received_on, "on", "决定日期", "收到申请之日")
    statutory = deadlines.compute(request)
    statutory.custom = None
    current = statutory.due().on
    if due_on <= current:
        raise refused(
            "due_on",
            "延迟答复期限应晚于法定期限",
            f"延迟答复期限：应晚于第三十三条规定的答复期限{current:%Y-%m-%d}",
        )
    RequestEvent.objects.create(
        request=request, kind=EventKind.CUSTOM_DEADLINE, on=on, due_after=due_on, note=reason, by=by
    )
    save(request, target, clock=True)
    record(request, CUSTOM_DEADLINE, by, due_on=request.due_on)
    return request


def recompute(*, since: date) -> int:
    """After a calendar change from `since` on: open requests get their stored dates counted again (a
    pending consultation's reply deadline, an unpaid fee's payment deadline, the answer deadline); a
    deadline that moves is explained on the request's timeline. Returns how many deadlines moved."""
    touched: set[int] = set()
    for consultation in Consultation.objects.filter(
        request__state__in=deadlines.OPEN_STATES, replied_on__isnull=True, reply_due_on__gte=since
    ):
        new = calendar.add_workdays(consultation.sent_on, clock.CONSULTATION_WORKDAYS).date
        if new != consultation.reply_due_on:
            Consultation.objects.filter(pk=consultation.pk).update(reply_due_on=new)
            touched.add(consultation.request_id)
    for fee in FeeNotice.objects.filter(
        request__state=S.AWAITING_FEE, paid_on__isnull=True, pay_by__gte=since
    ):
        new = calendar.add_workdays(fee.issued_on, clock.FEE_PAYMENT_WORKDAYS).date
        if new != fee.pay_by:
            FeeNotice.objects.filter(pk=fee.pk).update(pay_by=new)
            touched.add(fee.request_id)
    candidates = DisclosureRequest.objects.filter(state__in=deadlines.OPEN_STATES, due_on__gte=since)
    moved = 0
    for pk in sorted(touched | set(candidates.values_list("pk", flat=True))):
        with transaction.atomic():
            request = DisclosureRequest.objects.select_for_update().get(pk=pk)
            before = request.due_on
            fields = deadlines.apply(request)
            if request.due_on == before:
                continue
            request.lock_version += 1
            request.save(update_fields=[*fields, "lock_version"])
            note = f"工作日历调整，答复期限由{before:%Y-%m-%d}调整为{request.due_on:%Y-%m-%d}"
            event(request, EventKind.RECOMPUTED, None, today(), note=note)
            record(request, RECOMPUTED, None, before=before, due_on=request.due_on)
            moved += 1
    return moved
