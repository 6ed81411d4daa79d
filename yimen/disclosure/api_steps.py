"""The staff's steps on one disclosure request over HTTP, added to /api/v1/disclosure-requests: each
handler asks `disclosure.queries.request_for` for the request — 404 for one the person may not see, as
for an unknown number; 403 for a step their role does not allow — before the service looks at its state
or version, calls that one service with its body's fields, and answers with the request as it now
stands (with its lock_version; send it back as expected_version and a stale screen gets 409). Dates a
step leaves out are today."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from yimen.core.api_schema import CalendarDate, ErrorOut
from yimen.disclosure import queries
from yimen.disclosure.models import (
    Appeal,
    AppealKind,
    AppealResult,
    Consultation,
    ConsultationParty,
    DisclosureRequest,
    FeeMethod,
    Outcome,
)
from yimen.disclosure.presenting import publication_by_index, staff_view
from yimen.disclosure.services import appeals, fees
from yimen.disclosure.services import clock as clock_steps
from yimen.disclosure.services import steps as request_steps
from yimen.org.api_keys import acting_staff, key_reaches, staff_auth
from yimen.org.models import ApiScope, Staff

steps = Router(auth=staff_auth(ApiScope.DISCLOSURE))
Part = TypeVar("Part", Consultation, Appeal)


# --- what a request looks like from outside ----------------------------------------------------------


class ClockStepOut(Schema):
    on: date
    label: str
    workdays: int = Field(description="该步骤对答复期限的影响（工作日）")
    due_after: date | None = Field(description="此后的答复期限")
    rule: str = Field(description="依据")


class EventOut(Schema):
    on: date
    kind: str
    label: str
    note: str


class ClarificationOut(Schema):
    items: str
    deadline_on: date
    notified_on: date


class FeeNoticeOut(Schema):
    method: str
    amount: str = Field(description="金额（元）")
    issued_on: date
    pay_by: date
    paid_on: date | None


class PublicRequest(Schema):
    number: str
    organisation: str
    applicant: str = Field(description="申请人（已脱敏）")
    state: str
    state_label: str
    outcome: str = Field(description="办理结果：年报表三的行号，如 r2")
    outcome_label: str
    received_on: date = Field(description="收到申请之日（条例第三十一条）")
    rules: str = Field(description="适用条例：2008 或 2019")
    due_on: date = Field(description="答复期限")
    due_provisional: bool = Field(description="期限涉及尚未载入放假通知的年份，暂按周末规则计算")
    overdue: bool
    replied_on: date | None
    clock: list[ClockStepOut] = Field(description="答复期限的计算过程")
    timeline: list[EventOut]
    clarification: ClarificationOut | None = Field(description="待补正时：需要补正的事项与期限")
    fee: FeeNoticeOut | None
    letter: bool = Field(description="已答复，可下载告知书（PDF、Word）")


class StaffRequest(PublicRequest):
    id: int
    query_code: str
    lock_version: int
    applicant_name: str
    applicant_type: str
    channel: str
    submitted_on: date
    clock_start_on: date
    paused_workdays: int
    extension_workdays: int
    consultations: list[dict[str, Any]]
    appeals: list[dict[str, Any]]


STEP: dict[int, Any] = {200: StaffRequest, 409: ErrorOut}  # 409: stale lock_version or wrong state


def staff(request: HttpRequest) -> Staff:
    return acting_staff(request)


def request_for(http: HttpRequest, number: str, step: str = "") -> DisclosureRequest:
    """The request, for staff who may see it and take `step` (a workflow action) on it; for anyone who may
    not see it, it does not exist."""
    try:
        found = queries.request_for(staff(http), number, step=step)
    except Http404:
        raise HttpError(404, queries.NOT_FOUND) from None
    if not key_reaches(http, found):
        raise HttpError(404, queries.NOT_FOUND)
    return found


def _part(model: type[Part], pk: int, of: DisclosureRequest, missing: str) -> Part:
    """A consultation or an appeal of the request `of`; 404 saying `missing` when it has none with `pk`."""
    found = model.objects.filter(pk=pk, request=of).first()
    if found is None:
        raise HttpError(404, missing)
    return found


def _now(request: DisclosureRequest) -> dict[str, Any]:
    return staff_view(DisclosureRequest.objects.select_related("organisation").get(pk=request.pk))


def _day(on: date | None) -> date:
    return on or timezone.localdate()


class Step(Schema):
    expected_version: int | None = Field(
        None, ge=0, description="您看到的 lock_version；申请已被他人更新时返回 409"
    )


class Dated(Step):
    on: CalendarDate | None = Field(None, description="日期，不填为今天")


class ClarifyIn(Dated):
    items: str = Field(min_length=1, max_length=2000, description="需要补正的全部事项（一次性告知）")
    deadline_on: CalendarDate = Field(description="补正期限")


class SupplementIn(Dated):
    content: str = Field(min_length=1, max_length=5000)


class ConsultIn(Step):
    party_kind: ConsultationParty
    party_name: str = Field(min_length=1, max_length=100)
    sent_on: CalendarDate | None = Field(None, description="发出日期，不填为今天")


class ConsultEndIn(Step):
    replied_on: CalendarDate | None = Field(None, description="收回日期，不填为今天")
    opinion: str = Field(min_length=1, max_length=200)


class ExtendIn(Dated):
    workdays: int = Field(ge=1, le=20)
    reason: str = Field(min_length=1, max_length=300)


class CustomDeadlineIn(Step):
    due_on: CalendarDate
    reason: str = Field(min_length=1, max_length=300)


class FeeIn(Dated):
    method: FeeMethod
    quantity: int = Field(ge=1, le=100000, description="按件：本申请计几件；按量：页数")


class ReplyIn(Dated):
    outcome: Outcome = Field(description="年报表三的行号：r1 予以公开、r2 部分公开、r3_1 … r6_3")
    reasons: str = Field("", max_length=3000)
    how_to_obtain: str = Field("", max_length=1000)
    publication: str = Field("", max_length=60, description="已主动公开信息的索引号")
    pages: int = Field(0, ge=0, le=100000)


class AppealIn(Schema):
    kind: AppealKind
    filed_on: date
    body: str = Field(min_length=1, max_length=100, description="复议机关或法院")
    reference: str = Field("", max_length=60)


class DecisionIn(Schema):
    result: AppealResult
    decided_on: date


# --- the steps, in the order a request meets them ----------------------------------------------------


@steps.post("/{number}/start", response=STEP, summary="开始办理")
def start(request: HttpRequest, number: str, body: Step) -> dict[str, Any]:
    target = request_for(request, number, "start")
    request_steps.start(request=target, by=staff(request), expected_version=body.expected_version)
    return _now(target)


@steps.post("/{number}/clarification", response=STEP, summary="一次性告知补正（条例第三十条）")
def clarify(request: HttpRequest, number: str, body: ClarifyIn) -> dict[str, Any]:
    target = request_for(request, number, "request_clarification")
    clock_steps.request_clarification(
        request=target,
        by=staff(request),
        items=body.items,
        deadline_on=body.deadline_on,
        on=_day(body.on),
        expected_version=body.expected_version,
    )
    return _now(target)


@steps.post("/{number}/clarification/received", response=STEP, summary="收到补正")
def clarification_received(request: HttpRequest, number: str, body: SupplementIn) -> dict[str, Any]:
    target = request_for(request, number, "receive_clarification")
    clock_steps.receive_clarification(
        request=target,
        by=staff(request),
        content=body.content,
        on=_day(body.on),
        expected_version=body.expected_version,
    )
    return _now(target)


@steps.post("/{number}/clarification/expired", response=STEP, summary="逾期未补正，不再处理")
def clarification_expired(request: HttpRequest, number: str, body: Dated) -> dict[str, Any]:
    target = request_for(request, number, "expire_clarification")
    clock_steps.expire_clarification(
        request=target, by=staff(request), on=_day(body.on), expected_version=body.expected_version
    )
    return _now(target)


@steps.post("/{number}/consultations", response=STEP, summary="征求第三方或其他机关意见")
def consult(request: HttpRequest, number: str, body: ConsultIn) -> dict[str, Any]:
    target = request_for(request, number, "start_consultation")
    clock_steps.start_consultation(
        request=target,
        by=staff(request),
        party_kind=body.party_kind,
        party_name=body.party_name,
        sent_on=_day(body.sent_on),
        expected_version=body.expected_version,
    )
    return _now(target)


@steps.post("/{number}/consultations/{consultation_id}/end", response=STEP, summary="意见收回")
def consultation_end(
    request: HttpRequest, number: str, consultation_id: int, body: ConsultEndIn
) -> dict[str, Any]:
    target = request_for(request, number, "end_consultation")
    clock_steps.end_consultation(
        consultation=_part(Consultation, consultation_id, target, "该申请没有这次征求意见"),
        by=staff(request),
        replied_on=_day(body.replied_on),
        opinion=body.opinion,
        expected_version=body.expected_version,
    )
    return _now(target)


@steps.post("/{number}/extension", response=STEP, summary="延期答复（公开工作机构负责人）")
def extend(request: HttpRequest, number: str, body: ExtendIn) -> dict[str, Any]:
    target = request_for(request, number, "extend")
    clock_steps.extend(
        request=target,
        by=staff(request),
        workdays=body.workdays,
        reason=body.reason,
        on=_day(body.on),
        expected_version=body.expected_version,
    )
    return _now(target)


@steps.post("/{number}/custom-deadline", response=STEP, summary="确定延迟答复期限（第三十五条）")
def custom_deadline(request: HttpRequest, number: str, body: CustomDeadlineIn) -> dict[str, Any]:
    target = request_for(request, number, "set_custom_deadline")
    clock_steps.set_custom_deadline(
        request=target,
        by=staff(request),
        due_on=body.due_on,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return _now(target)


@steps.post("/{number}/fee-notice", response=STEP, summary="发出信息处理费收费通知")
def fee_notice(request: HttpRequest, number: str, body: FeeIn) -> dict[str, Any]:
    target = request_for(request, number, "issue_fee_notice")
    fees.issue_fee_notice(
        request=target,
        by=staff(request),
        method=body.method,
        quantity=body.quantity,
        on=_day(body.on),
        expected_version=body.expected_version,
    )
    return _now(target)


@steps.post("/{number}/fee-notice/paid", response=STEP, summary="已缴纳信息处理费")
def fee_paid(request: HttpRequest, number: str, body: Dated) -> dict[str, Any]:
    target = request_for(request, number, "record_payment")
    fees.record_payment(
        request=target, by=staff(request), on=_day(body.on), expected_version=body.expected_version
    )
    return _now(target)


@steps.post("/{number}/fee-notice/expired", response=STEP, summary="逾期未缴费，不再处理")
def fee_expired(request: HttpRequest, number: str, body: Dated) -> dict[str, Any]:
    target = request_for(request, number, "expire_fee")
    fees.expire_fee(
        request=target, by=staff(request), on=_day(body.on), expected_version=body.expected_version
    )
    return _now(target)


@steps.post("/{number}/reply", response=STEP, summary="答复（生成告知书）")
def reply(request: HttpRequest, number: str, body: ReplyIn) -> dict[str, Any]:
    target = request_for(request, number, "reply")
    request_steps.reply(
        request=target,
        by=staff(request),
        outcome=body.outcome,
        reasons=body.reasons,
        how_to_obtain=body.how_to_obtain,
        publication=publication_by_index(body.publication),
        pages=body.pages,
        on=_day(body.on),
        expected_version=body.expected_version,
    )
    return _now(target)


@steps.post("/{number}/deliver", response=STEP, summary="送达")
def deliver(request: HttpRequest, number: str, body: Dated) -> dict[str, Any]:
    target = request_for(request, number, "deliver")
    request_steps.deliver(
        request=target, by=staff(request), on=_day(body.on), expected_version=body.expected_version
    )
    return _now(target)


@steps.post("/{number}/close", response=STEP, summary="办结")
def close(request: HttpRequest, number: str, body: Dated) -> dict[str, Any]:
    target = request_for(request, number, "close")
    request_steps.close(
        request=target, by=staff(request), on=_day(body.on), expected_version=body.expected_version
    )
    return _now(target)


@steps.post("/{number}/appeals", response=StaffRequest, summary="登记行政复议或行政诉讼")
def appeal(request: HttpRequest, number: str, body: AppealIn) -> dict[str, Any]:
    target = request_for(request, number, "file_appeal")
    appeals.file_appeal(
        request=target,
        by=staff(request),
        kind=body.kind,
        filed_on=body.filed_on,
        body=body.body,
        reference=body.reference,
    )
    return _now(target)


@steps.post("/{number}/appeals/{appeal_id}/decision", response=STEP, summary="复议决定或判决结果")
def decide(request: HttpRequest, number: str, appeal_id: int, body: DecisionIn) -> dict[str, Any]:
    target = request_for(request, number, "decide_appeal")
    appeals.decide_appeal(
        appeal=_part(Appeal, appeal_id, target, "该申请没有这项复议或诉讼"),
        by=staff(request),
        result=body.result,
        decided_on=body.decided_on,
    )
    return _now(target)
