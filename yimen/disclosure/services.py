"""Write paths of a disclosure request (依申请公开): one transition table and one service per step.

Every service locks the request row, checks the transition and the person's role, writes the request,
a RequestEvent (the applicant's timeline and the clock's steps), an audit entry and its outbox events in
one transaction; the deadline is recomputed from the request's facts (deadlines.apply) whenever the
clock moves. A step the request's state does not allow is refused with TransitionError (HTTP 409), so of
two officers acting at once one wins and the other gets 409.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from yimen.core import audit, calendar, events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.disclosure import deadlines
from yimen.disclosure.appeals import decide_appeal, file_appeal
from yimen.disclosure.fees import per_page_fee, per_request_total
from yimen.disclosure.intake import Applicant, checked_applicant, query_code, request_number
from yimen.disclosure.models import (
    Channel,
    Clarification,
    Consultation,
    ConsultationParty,
    DeliveryMethod,
    DisclosureRequest,
    EventKind,
    FeeMethod,
    FeeNotice,
    FormWanted,
    Outcome,
    Reply,
    RequestEvent,
    RequestState,
)
from yimen.disclosure.replies import nth_in_month, reply_text
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can
from yimen.publishing.models import Publication

__all__ = [
    "Applicant",
    "close",
    "decide_appeal",
    "deliver",
    "end_consultation",
    "expire_clarification",
    "expire_fee",
    "extend",
    "file_appeal",
    "issue_fee_notice",
    "receive_clarification",
    "record_payment",
    "register",
    "reply",
    "request_clarification",
    "set_custom_deadline",
    "start",
    "start_consultation",
]

S = RequestState
OPEN = (S.REGISTERED, S.IN_PROGRESS)
WORKING = (S.IN_PROGRESS, S.CONSULTING)
# action → (states it may start from, state it leads to; None: stays where it is).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "start": ((S.REGISTERED,), S.IN_PROGRESS),
    "request_clarification": (OPEN, S.CLARIFYING),
    "receive_clarification": ((S.CLARIFYING,), S.IN_PROGRESS),
    "expire_clarification": ((S.CLARIFYING,), S.CLOSED),
    "start_consultation": (WORKING, S.CONSULTING),
    "end_consultation": ((S.CONSULTING,), None),
    "extend": (WORKING, None),
    "set_custom_deadline": (WORKING, None),
    "issue_fee_notice": ((S.IN_PROGRESS,), S.AWAITING_FEE),
    "record_payment": ((S.AWAITING_FEE,), S.IN_PROGRESS),
    "expire_fee": ((S.AWAITING_FEE,), S.CLOSED),
    "reply": (OPEN, S.REPLIED),  # 第三十三条: answered on the spot where possible
    "deliver": ((S.REPLIED,), S.DELIVERED),
    "close": ((S.DELIVERED,), S.CLOSED),
}
LABELS = {
    "start": "开始办理",
    "request_clarification": "告知补正",
    "receive_clarification": "收到补正",
    "expire_clarification": "按逾期未补正办结",
    "start_consultation": "征求意见",
    "end_consultation": "收回意见",
    "extend": "延期答复",
    "set_custom_deadline": "确定延迟答复期限",
    "issue_fee_notice": "发出收费通知",
    "record_payment": "登记缴费",
    "expire_fee": "按逾期未缴费办结",
    "reply": "答复",
    "deliver": "送达",
    "close": "办结归档",
}
# 条例第三十三条: an extension needs the consent of the head of the office (政府信息公开工作机构负责人).
NEEDS = {"extend": "disclosure.approve"}
# Outcomes that follow from the applicant's silence, not from a reply.
BY_EXPIRY = (Outcome.NO_CLARIFICATION, Outcome.FEE_UNPAID)


def _today() -> date:
    return timezone.localdate()


def _required(value: str, field: str, label: str) -> str:
    if not value or not value.strip():
        raise ApplicationError(f"请填写{label}", fields={field: [f"{label}：必填"]})
    return value.strip()


def _not_before(day: date, earliest: date, field: str, label: str, what: str) -> None:
    if day < earliest:
        raise ApplicationError(
            f"{label}早于{what}", fields={field: [f"{label}：不能早于{what}（{earliest:%Y-%m-%d}）"]}
        )
    if day > _today():
        raise ApplicationError(f"{label}晚于今天", fields={field: [f"{label}：不能晚于今天"]})


def _locked(
    request: DisclosureRequest, action: str, by: Staff | None, expected_version: int | None = None
) -> tuple[DisclosureRequest, str]:
    """The request locked for update and the state it moves to, once state and role are checked."""
    locked = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
    if expected_version is not None and locked.lock_version != expected_version:
        raise TransitionError("申请已被他人更新，请刷新后重试")
    starts, target = TRANSITIONS[action]
    if locked.state not in starts:
        raise TransitionError(f"申请当前为“{locked.get_state_display()}”，不能{LABELS[action]}")
    if by is not None and not can(by, NEEDS.get(action, "disclosure.handle"), locked):
        if action in NEEDS:
            raise NotPermitted("延期答复须经政府信息公开工作机构负责人同意（条例第三十三条）")
        raise NotPermitted("您无权办理该申请")
    return locked, target or locked.state


def _save(request: DisclosureRequest, target: str, *fields: str, clock: bool = False) -> None:
    """Move to `target`; with `clock`, recompute the deadline from the request's facts first."""
    extra = deadlines.apply(request) if clock else []
    request.state = target
    request.lock_version += 1
    request.save(update_fields=["state", "lock_version", *fields, *extra])


def _event(
    request: DisclosureRequest,
    kind: str,
    by: Staff | None,
    on: date,
    *,
    note: str = "",
    workdays: int = 0,
    public: bool = True,
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        kind=kind,
        on=on,
        workdays=workdays,
        due_after=request.due_on,
        note=note,
        public=public,
        by=by,
    )


def _record(request: DisclosureRequest, name: str, by: Staff | None, **after: Any) -> None:
    """The audit entry and the outbox event of one step."""
    audit.record(f"disclosure.{name}", request, actor=by or "申请人", after={"state": request.state, **after})
    events.emit(
        f"disclosure.{name}",
        {
            "request": request.pk,
            "number": request.number,
            "state": request.state,
            "due_on": str(request.due_on),
        },
        key=f"disclosure.{name}:{request.pk}:{request.lock_version}",
    )


# --- intake -------------------------------------------------------------------------------------------


@transaction.atomic
def register(
    *,
    organisation: Organisation,
    by: Staff | None,
    channel: str,
    applicant: Applicant,
    description: str,
    form_wanted: str,
    delivery_method: str,
    submitted_on: date,
    signed_on: date | None = None,
    confirmed_on: date | None = None,
) -> DisclosureRequest:
    """A new request (条例第二十九条): online by the applicant (`by` None), or written down by the officer
    at the counter; its receipt date follows its channel (第三十一条) and its deadline is set."""
    if by is not None and not can(by, "disclosure.handle", organisation):
        raise NotPermitted("您无权登记该机关的政府信息公开申请")
    if by is None and channel != Channel.ONLINE:
        raise ApplicationError(
            "网上申请的渠道只能是网上申请", fields={"channel": ["申请渠道：网上提交只能为网上申请"]}
        )
    errors: dict[str, list[str]] = {}
    try:
        values = checked_applicant(applicant, delivery_method=delivery_method)
    except ApplicationError as exc:
        errors.update(exc.fields)
        values = {}
    if not description.strip():
        errors["description"] = ["所需政府信息的名称、文号或特征性描述：必填（条例第二十九条第（二）项）"]
    if form_wanted not in FormWanted.values:
        errors["form_wanted"] = ["获取信息的形式：只能是纸质文本、电子文件或当场查阅、抄录"]
    if delivery_method not in DeliveryMethod.values:
        errors["delivery_method"] = ["获取信息的方式：只能是邮寄、电子邮件、当面领取或网上获取"]
    try:
        received_on = deadlines.receipt_date(
            channel=channel, submitted_on=submitted_on, signed_on=signed_on, confirmed_on=confirmed_on
        )
    except ApplicationError as exc:
        errors.update(exc.fields)
        received_on = submitted_on
    if submitted_on > _today():
        errors["submitted_on"] = ["提交或寄出日期：不能晚于今天"]
    if errors:
        raise ApplicationError("申请信息有误", fields=errors)
    request = DisclosureRequest(
        number=request_number(organisation, received_on),
        query_code=query_code(),
        organisation=organisation,
        channel=channel,
        submitted_on=submitted_on,
        received_on=received_on,
        clock_start_on=received_on,
        due_on=received_on,
        description=description.strip(),
        form_wanted=form_wanted,
        delivery_method=delivery_method,
        created_by=by,
        **values,
    )
    deadlines.apply(request)
    request.save()
    rules = deadlines.RULES[request.rules]
    _event(
        request,
        EventKind.RECEIVED,
        by,
        received_on,
        note=deadlines.RECEIPT_RULES[channel],
        workdays=rules.reply_workdays,
    )
    _record(request, "registered", by, channel=channel, received_on=received_on, due_on=request.due_on)
    return request


@transaction.atomic
def start(
    *,
    request: DisclosureRequest,
    by: Staff | None,
    on: date | None = None,
    expected_version: int | None = None,
) -> DisclosureRequest:
    """The officer takes the request up (登记 → 办理中)."""
    request, target = _locked(request, "start", by, expected_version)
    on = on or _today()
    _not_before(on, request.received_on, "on", "开始办理日期", "收到申请之日")
    _save(request, target)
    _event(request, EventKind.STARTED, by, on)
    _record(request, "started", by)
    return request


# --- 补正 (条例第三十条) ---------------------------------------------------------------------------------


@transaction.atomic
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
    _required(text, "items", "需要补正的事项")
    request, target = _locked(request, "request_clarification", by, expected_version)
    if request.clarifications.exists():
        raise TransitionError("补正应一次性告知，本申请已告知过补正（条例第三十条）")
    _not_before(on, request.received_on, "on", "告知日期", "收到申请之日")
    latest = deadlines.clarification_notice_by(request.received_on)
    if on > latest:
        raise ApplicationError(
            "告知补正已超过7个工作日",
            fields={
                "on": [f"告知日期：应在收到申请之日起7个工作日内，即不晚于{latest:%Y-%m-%d}（条例第三十条）"]
            },
        )
    if deadline_on <= on:
        raise ApplicationError("补正期限不合理", fields={"deadline_on": ["补正期限：应晚于告知日期"]})
    Clarification.objects.create(request=request, notified_on=on, items=text, deadline_on=deadline_on)
    _save(request, target, clock=True)
    _event(request, EventKind.CLARIFICATION_REQUESTED, by, on, note=text)
    _record(request, "clarification_requested", by, deadline_on=deadline_on)
    return request


@transaction.atomic
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
    content = _required(content, "content", "补正内容")
    request, target = _locked(request, "receive_clarification", by, expected_version)
    clarification = request.clarifications.get()
    _not_before(on, clarification.notified_on, "on", "收到补正日期", "告知补正日期")
    if by is None and on > clarification.deadline_on:
        raise TransitionError(f"补正期限已于{clarification.deadline_on:%Y-%m-%d}届满，请与受理机关联系")
    clarification.received_on, clarification.content = on, content
    clarification.save(update_fields=["received_on", "content"])
    _save(request, target, clock=True)
    rules = deadlines.RULES[request.rules]
    _event(request, EventKind.CLARIFICATION_RECEIVED, by, on, workdays=rules.reply_workdays)
    _record(request, "clarification_received", by, due_on=request.due_on)
    return request


def _close_with(
    request: DisclosureRequest, target: str, outcome: str, by: Staff | None, on: date, kind: str
) -> None:
    """其他处理 (视为放弃申请): the request closes with a letter saying why."""
    request.outcome, request.replied_on, request.closed_on = outcome, on, on
    _save(request, target, "outcome", "replied_on", "closed_on")
    Reply.objects.create(
        request=request, outcome=outcome, issued_on=on, body=reply_text(request, outcome), by=by
    )
    _event(request, kind, by, on, note=Outcome(outcome).label)
    _event(request, EventKind.CLOSED, by, on)


@transaction.atomic
def expire_clarification(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """No supplement by the deadline: 视为放弃申请 (条例第三十条), counted as 其他处理-1."""
    request, target = _locked(request, "expire_clarification", by, expected_version)
    clarification = request.clarifications.get()
    if on <= clarification.deadline_on:
        raise ApplicationError(
            "补正期限尚未届满",
            fields={
                "on": [f"办结日期：补正期限{clarification.deadline_on:%Y-%m-%d}届满后才能按逾期未补正办结"]
            },
        )
    _not_before(on, clarification.notified_on, "on", "办结日期", "告知补正日期")
    _close_with(request, target, Outcome.NO_CLARIFICATION, by, on, EventKind.CLARIFICATION_EXPIRED)
    _record(request, "closed", by, outcome=request.outcome)
    return request


# --- 征求意见 (条例第三十二条、第三十四条) -------------------------------------------------------------------


@transaction.atomic
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
        raise ApplicationError("征求意见对象不正确", fields={"party_kind": ["对象：只能是第三方或其他机关"]})
    party_name = _required(party_name, "party_name", "对象名称")
    request, target = _locked(request, "start_consultation", by, expected_version)
    _not_before(sent_on, request.received_on, "sent_on", "发出日期", "收到申请之日")
    consultation = Consultation.objects.create(
        request=request,
        party_kind=party_kind,
        party_name=party_name,
        sent_on=sent_on,
        reply_due_on=calendar.add_workdays(sent_on, deadlines.CONSULTATION_WORKDAYS).date,
    )
    _save(request, target, clock=True)
    _event(request, EventKind.CONSULTATION_STARTED, by, sent_on, note=ConsultationParty(party_kind).label)
    _record(request, "consultation_started", by, party=party_name, reply_due_on=consultation.reply_due_on)
    return consultation


@transaction.atomic
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
    opinion = _required(opinion, "opinion", "意见")
    request, _ = _locked(consultation.request, "end_consultation", by, expected_version)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.replied_on is not None:
        raise TransitionError(f"已于{consultation.replied_on:%Y-%m-%d}收回意见，不能重复登记")
    _not_before(replied_on, consultation.sent_on, "replied_on", "收回日期", "发出日期")
    consultation.replied_on, consultation.opinion = replied_on, opinion[:200]
    consultation.save(update_fields=["replied_on", "opinion"])
    still_open = request.consultations.filter(replied_on__isnull=True).exists()
    before = request.paused_workdays
    _save(request, S.CONSULTING if still_open else S.IN_PROGRESS, clock=True)
    _event(
        request,
        EventKind.CONSULTATION_ENDED,
        by,
        replied_on,
        note=consultation.get_party_kind_display(),
        workdays=request.paused_workdays - before,
    )
    _record(request, "consultation_ended", by, paused_workdays=request.paused_workdays)
    return consultation


# --- 延期 (第三十三条) and 第三十五条 ---------------------------------------------------------------------


@transaction.atomic
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
    reason = _required(reason, "reason", "延期理由")
    request, target = _locked(request, "extend", by, expected_version)
    rules = deadlines.RULES[request.rules]
    room = rules.max_extension - request.extension_workdays
    if not 1 <= workdays <= room:
        raise ApplicationError(
            "延期天数超出规定",
            fields={
                "workdays": [
                    f"延长工作日：1至{room}个工作日（{rules.code}年条例最长延长{rules.max_extension}个工作日）"
                ]
            },
        )
    _not_before(on, request.received_on, "on", "延期日期", "收到申请之日")
    if on > request.due_on:
        raise ApplicationError(
            "答复期限已过，不能延期",
            fields={"on": [f"延期日期：应在答复期限{request.due_on:%Y-%m-%d}届满前"]},
        )
    event = _event(request, EventKind.EXTENDED, by, on, note=reason, workdays=workdays)
    _save(request, target, clock=True)
    event.due_after = request.due_on
    event.save(update_fields=["due_after"])
    _record(request, "extended", by, workdays=workdays, due_on=request.due_on)
    return request


@transaction.atomic
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
    reason = _required(reason, "reason", "理由")
    request, target = _locked(request, "set_custom_deadline", by, expected_version)
    on = on or _today()
    _not_before(on, request.received_on, "on", "决定日期", "收到申请之日")
    statutory = deadlines.compute(request)
    statutory.custom = None
    current = statutory.due().on
    if due_on <= current:
        raise ApplicationError(
            "延迟答复期限应晚于法定期限",
            fields={"due_on": [f"延迟答复期限：应晚于第三十三条规定的答复期限{current:%Y-%m-%d}"]},
        )
    RequestEvent.objects.create(
        request=request, kind=EventKind.CUSTOM_DEADLINE, on=on, due_after=due_on, note=reason, by=by
    )
    _save(request, target, clock=True)
    _record(request, "custom_deadline", by, due_on=request.due_on)
    return request


# --- 信息处理费 (条例第四十二条, 国办函〔2020〕109号) -------------------------------------------------------

FEES_FROM = date(2021, 1, 1)


@transaction.atomic
def issue_fee_notice(
    *,
    request: DisclosureRequest,
    by: Staff | None,
    method: str,
    quantity: int,
    on: date,
    expected_version: int | None = None,
) -> FeeNotice:
    """收费通知, within the answer period: 按件 (quantity = the 件 this request counts for after 一事一
    申请 splitting, priced after the applicant's earlier requests that month) or 按量 (quantity = pages),
    one method per request; payment within 20 working days."""
    if method not in FeeMethod.values:
        raise ApplicationError("计收方式不正确", fields={"method": ["计收方式：只能是按件计收或按量计收"]})
    if quantity < 1:
        raise ApplicationError("数量不正确", fields={"quantity": ["件次或页数：至少为1"]})
    request, target = _locked(request, "issue_fee_notice", by, expected_version)
    if hasattr(request, "fee_notice"):
        raise TransitionError("本申请已发出过收费通知，不能重复收费或按两种标准计收")
    if on < FEES_FROM:
        raise ApplicationError(
            "信息处理费自2021年1月1日起收取", fields={"on": ["通知日期：不早于2021年1月1日"]}
        )
    _not_before(on, request.received_on, "on", "通知日期", "收到申请之日")
    if on > request.due_on:
        raise ApplicationError(
            "收费通知应在答复期限内发出",
            fields={"on": [f"通知日期：不晚于答复期限{request.due_on:%Y-%m-%d}"]},
        )
    if method == FeeMethod.PER_REQUEST:
        amount = per_request_total(nth_in_month(request), quantity)
    else:
        amount = per_page_fee(quantity)
    if amount <= 0:
        raise ApplicationError(
            "未超过免费标准，不收取信息处理费",
            fields={"quantity": ["件次或页数：按件每月10件以内、按量30页以内不收费"]},
        )
    notice = FeeNotice.objects.create(
        request=request,
        method=method,
        quantity=quantity,
        amount=amount,
        issued_on=on,
        pay_by=calendar.add_workdays(on, deadlines.FEE_PAYMENT_WORKDAYS).date,
    )
    request.fee_notice = notice
    _save(request, target, clock=True)
    _event(request, EventKind.FEE_NOTICE, by, on, note=f"{FeeMethod(method).label}，{quantity}，{amount}元")
    _record(request, "fee_notice", by, method=method, quantity=quantity, amount=amount)
    return notice


@transaction.atomic
def record_payment(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """The fee is paid within its 20 working days: handling continues."""
    request, target = _locked(request, "record_payment", by, expected_version)
    notice = FeeNotice.objects.select_for_update().get(request=request)
    _not_before(on, notice.issued_on, "on", "缴费日期", "通知日期")
    if on > notice.pay_by:
        raise TransitionError(f"缴费期限已于{notice.pay_by:%Y-%m-%d}届满，视为放弃申请")
    notice.paid_on = on
    notice.save(update_fields=["paid_on"])
    request.fee_notice = notice
    _save(request, target, clock=True)
    _event(request, EventKind.FEE_PAID, by, on, note=f"{notice.amount}元")
    _record(request, "fee_paid", by, amount=notice.amount)
    return request


@transaction.atomic
def expire_fee(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """Not paid within 20 working days: 视为放弃申请, counted as 其他处理-2."""
    request, target = _locked(request, "expire_fee", by, expected_version)
    notice = FeeNotice.objects.get(request=request)
    if on <= notice.pay_by:
        raise ApplicationError(
            "缴费期限尚未届满", fields={"on": [f"办结日期：缴费期限{notice.pay_by:%Y-%m-%d}届满后才能办结"]}
        )
    _not_before(on, notice.issued_on, "on", "办结日期", "通知日期")
    _close_with(request, target, Outcome.FEE_UNPAID, by, on, EventKind.NOTE)
    _record(request, "closed", by, outcome=request.outcome)
    return request


# --- 答复, 送达, 办结 ---------------------------------------------------------------------------------------


def _checked_reply(
    request: DisclosureRequest,
    outcome: str,
    reasons: str,
    how_to_obtain: str,
    publication: Publication | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if outcome in BY_EXPIRY:
        errors["outcome"] = ["办理结果：逾期未补正、逾期未缴费由“按逾期办结”处理，不能直接答复"]
    elif outcome not in Outcome.values:
        errors["outcome"] = ["办理结果：应为年度报告表三中的一项"]
    needs_reasons = outcome not in (Outcome.DISCLOSED, Outcome.PUBLICATION)
    if needs_reasons and not reasons.strip():
        errors["reasons"] = [
            "理由：除予以公开外必须说明理由（部分公开须说明不予公开部分的理由，条例第三十七条）"
        ]
    obtainable = outcome in (Outcome.DISCLOSED, Outcome.PARTIAL, Outcome.PUBLICATION)
    if obtainable and not how_to_obtain.strip() and publication is None:
        errors["how_to_obtain"] = ["获取方式：予以公开、部分公开须告知获取信息的方式、途径（条例第三十六条）"]
    if publication is not None:
        if outcome not in (Outcome.DISCLOSED, Outcome.PARTIAL):
            errors["publication"] = ["已主动公开的信息：只适用于予以公开或部分公开"]
        elif not publication.is_public:
            errors["publication"] = ["已主动公开的信息：该信息尚未发布"]
    if (
        outcome == Outcome.STILL_UNCLEAR
        and not request.clarifications.filter(received_on__isnull=False).exists()
    ):
        errors["outcome"] = ["办理结果：“补正后申请内容仍不明确”须先告知补正并收到补正"]
    if errors:
        raise ApplicationError("答复内容有误", fields=errors)


@transaction.atomic
def reply(
    *,
    request: DisclosureRequest,
    by: Staff | None,
    outcome: str,
    reasons: str,
    how_to_obtain: str = "",
    publication: Publication | None = None,
    pages: int = 0,
    on: date,
    expected_version: int | None = None,
) -> DisclosureRequest:
    """答复 (条例第三十六条): exactly one outcome of table 三, with its letter (告知书) from the outcome's
    template; information already published proactively links to its publication (第三十六条第（一）项)."""
    if pages < 0:
        raise ApplicationError("页数不正确", fields={"pages": ["提供页数：不能为负数"]})
    request, target = _locked(request, "reply", by, expected_version)
    _checked_reply(request, outcome, reasons, how_to_obtain, publication)
    _not_before(on, request.clock_start_on, "on", "答复日期", "答复期限起算日")
    request.outcome, request.replied_on, request.closed_on = outcome, on, on
    request.publication = publication
    _save(request, target, "outcome", "replied_on", "closed_on", "publication")
    Reply.objects.create(
        request=request,
        outcome=outcome,
        issued_on=on,
        reasons=reasons.strip(),
        how_to_obtain=how_to_obtain.strip(),
        pages=pages,
        body=reply_text(
            request, outcome, reasons=reasons.strip(), how_to_obtain=how_to_obtain.strip(), pages=pages
        ),
        by=by,
    )
    late = "（超过答复期限）" if on > request.due_on else ""
    _event(request, EventKind.REPLIED, by, on, note=Outcome(outcome).label + late)
    _record(request, "replied", by, outcome=outcome, late=bool(late))
    return request


@transaction.atomic
def deliver(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """送达 the reply by the way the applicant asked for."""
    request, target = _locked(request, "deliver", by, expected_version)
    assert request.replied_on is not None
    _not_before(on, request.replied_on, "on", "送达日期", "答复日期")
    request.delivered_on = on
    _save(request, target, "delivered_on")
    _event(request, EventKind.DELIVERED, by, on, note=request.get_delivery_method_display())
    _record(request, "delivered", by, delivered_on=on)
    return request


@transaction.atomic
def close(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """办结归档 after delivery; the annual report counts the request in the year of its decision."""
    request, target = _locked(request, "close", by, expected_version)
    assert request.delivered_on is not None
    _not_before(on, request.delivered_on, "on", "办结日期", "送达日期")
    _save(request, target)
    _event(request, EventKind.CLOSED, by, on)
    _record(request, "closed", by, outcome=request.outcome)
    return request
