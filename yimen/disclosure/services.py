"""Write paths of a disclosure request (依申请公开), one keyword-only service per step.

Here: registration, taking the request up, the reply and its delivery. The steps that move the clock
are in clock_services, the fee's in fee_services, appeals in appeals.
Every service runs in one transaction through `workflow` (row lock, transition table, role, timeline
event, audit entry, outbox event), and the deadline is recomputed from the request's facts whenever
the clock moves.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from yimen.core import identity
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.disclosure import clock, deadlines
from yimen.disclosure.events import CLOSED, DELIVERED, REGISTERED, REPLIED, STARTED
from yimen.disclosure.intake import (
    Applicant,
    checked_applicant,
    checked_number,
    number_taken,
    query_code,
    request_number,
)
from yimen.disclosure.models import (
    Channel,
    DeliveryMethod,
    DisclosureRequest,
    EventKind,
    FormWanted,
    Outcome,
    Reply,
)
from yimen.disclosure.replies import reply_text
from yimen.disclosure.workflow import BY_EXPIRY, event, locked, not_before, record, save, today
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can
from yimen.publishing.models import Publication

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
    number: str | None = None,
) -> DisclosureRequest:
    """A new request (条例第二十九条): online by the applicant (`by` None), or written down by the officer
    at the counter; its receipt date follows its channel (第三十一条) and its deadline is set. An office
    moving to Yimen keeps its own 申请编号 (`number`: unique, stored as the tracking page reads it — no
    spaces, half-width, upper case); otherwise one is given. Either way the request gets a new 查询码."""
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
    if received_on > today() and "submitted_on" not in errors:
        errors["signed_on" if channel == Channel.REGISTERED_MAIL else "confirmed_on"] = [
            "收到申请之日：不能晚于今天"
        ]
    if submitted_on > today():
        errors["submitted_on"] = ["提交或寄出日期：不能晚于今天"]
    kept = identity.normalize(number or "")
    if kept and by is None:
        errors["number"] = ["申请编号：由受理机关编号，网上申请不能自定"]
    elif kept:
        errors.update(checked_number(kept))
    if errors:
        raise ApplicationError("申请信息有误", fields=errors)
    request = DisclosureRequest(
        number=kept or request_number(organisation, received_on),
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
    try:
        with transaction.atomic():  # a savepoint: the same kept number filed at this moment elsewhere
            request.save()
    except IntegrityError as exc:
        raise ApplicationError("申请编号重复", fields={"number": [number_taken(request.number)]}) from exc
    rules = clock.RULES[request.rules]
    event(
        request,
        EventKind.RECEIVED,
        by,
        received_on,
        note=deadlines.RECEIPT_RULES[channel],
        workdays=rules.reply_workdays,
    )
    record(request, REGISTERED, by, channel=channel, received_on=received_on, due_on=request.due_on)
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
    request, target = locked(request, "start", by, expected_version)
    on = on or today()
    not_before(on, request.received_on, "on", "开始办理日期", "收到申请之日")
    save(request, target)
    event(request, EventKind.STARTED, by, on)
    record(request, STARTED, by)
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
    request, target = locked(request, "reply", by, expected_version)
    _checked_reply(request, outcome, reasons, how_to_obtain, publication)
    not_before(on, request.clock_start_on, "on", "答复日期", "答复期限起算日")
    request.outcome, request.replied_on, request.closed_on = outcome, on, on
    request.publication = publication
    save(request, target, "outcome", "replied_on", "closed_on", "publication")
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
    event(request, EventKind.REPLIED, by, on, note=Outcome(outcome).label + late)
    record(request, REPLIED, by, outcome=outcome, late=bool(late))
    return request


@transaction.atomic
def deliver(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """送达 the reply by the way the applicant asked for."""
    request, target = locked(request, "deliver", by, expected_version)
    assert request.replied_on is not None
    not_before(on, request.replied_on, "on", "送达日期", "答复日期")
    request.delivered_on = on
    save(request, target, "delivered_on")
    event(request, EventKind.DELIVERED, by, on, note=request.get_delivery_method_display())
    record(request, DELIVERED, by, delivered_on=on)
    return request


@transaction.atomic
def close(
    *, request: DisclosureRequest, by: Staff | None, on: date, expected_version: int | None = None
) -> DisclosureRequest:
    """办结归档 after delivery; the annual report counts the request in the year of its decision."""
    request, target = locked(request, "close", by, expected_version)
    assert request.delivered_on is not None
    not_before(on, request.delivered_on, "on", "办结日期", "送达日期")
    save(request, target)
    event(request, EventKind.CLOSED, by, on)
    record(request, CLOSED, by, outcome=request.outcome)
    return request
