"""The staff's steps on one disclosure request over HTTP, added to /api/v1/disclosure-requests: each
handler parses its body, calls one service and answers with the request as it now stands (with its
lock_version; send it back as expected_version and a stale screen gets 409)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth
from pydantic import Field

from yimen.core.identity import normalize
from yimen.disclosure import appeals, clock_services, fee_services, services
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
from yimen.org.models import Staff
from yimen.org.permissions import can

steps = Router(auth=django_auth)
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


class FeeOut(Schema):
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
    fee: FeeOut | None
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


def staff(request: HttpRequest) -> Staff:
    user = request.user
    assert isinstance(user, Staff)
    return user


def request_for(http: HttpRequest, number: str) -> DisclosureRequest:
    """The request, for staff who handle its organisation; for anyone else it does not exist."""
    found = DisclosureRequest.objects.select_related("organisation").filter(number=normalize(number)).first()
    if found is None or not can(staff(http), "disclosure.handle", found):
        raise HttpError(404, f"没有申请编号为 {number} 的申请")
    return found


# Dates a step may leave out: the step happened today.
TODAY_BY_DEFAULT = ("on", "sent_on", "replied_on")


def _act(http: HttpRequest, number: str, service: Any, body: Schema, **subject: Any) -> dict[str, Any]:
    """Run one step's service with the body's fields as its keywords (dates left out are today) on the
    request named by `number` — or on `subject`, a consultation or an appeal of it — and answer with the
    request as it now stands."""
    target = request_for(http, number)
    values = body.model_dump()
    for name in TODAY_BY_DEFAULT:
        if name in values and values[name] is None:
            values[name] = timezone.localdate()
    service(by=staff(http), **values, **(subject or {"request": target}))
    return _now(target)


def _part(model: type[Part], pk: int, of: DisclosureRequest, missing: str) -> Part:
    """A consultation or an appeal of the request `of`; 404 saying `missing` when it has none with `pk`."""
    found = model.objects.filter(pk=pk, request=of).first()
    if found is None:
        raise HttpError(404, missing)
    return found


def _now(request: DisclosureRequest) -> dict[str, Any]:
    return staff_view(DisclosureRequest.objects.select_related("organisation").get(pk=request.pk))


class Step(Schema):
    expected_version: int | None = Field(
        None, ge=0, description="您看到的 lock_version；申请已被他人更新时返回 409"
    )


class Dated(Step):
    on: date | None = Field(None, description="日期，不填为今天")


class ClarifyIn(Dated):
    items: str = Field(min_length=1, max_length=2000, description="需要补正的全部事项（一次性告知）")
    deadline_on: date = Field(description="补正期限")


class SupplementIn(Dated):
    content: str = Field(min_length=1, max_length=5000)


class ConsultIn(Step):
    party_kind: ConsultationParty
    party_name: str = Field(min_length=1, max_length=100)
    sent_on: date | None = Field(None, description="发出日期，不填为今天")


class ConsultEndIn(Step):
    replied_on: date | None = Field(None, description="收回日期，不填为今天")
    opinion: str = Field(min_length=1, max_length=200)


class ExtendIn(Dated):
    workdays: int = Field(ge=1, le=20)
    reason: str = Field(min_length=1, max_length=300)


class CustomDeadlineIn(Step):
    due_on: date
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


def _step(name: str, path: str, summary: str, service: Callable[..., Any], schema: type[Schema]) -> None:
    """POST /{number}/… that parses a `schema` body (the endpoint's body in OpenAPI) and runs `service` on
    the request (`_act`); `name` is its operation id and URL name."""

    def handler(request: HttpRequest, number: str, body: Schema) -> dict[str, Any]:
        return _act(request, number, service, body)

    handler.__name__ = handler.__qualname__ = name
    handler.__annotations__["body"] = schema
    steps.post(path, response=StaffRequest, summary=summary)(handler)


# The steps that are one service call with the body's fields, in the order a request meets them.
_step("start", "/{number}/start", "开始办理", services.start, Step)
_step(
    "clarify",
    "/{number}/clarification",
    "一次性告知补正（条例第三十条）",
    clock_services.request_clarification,
    ClarifyIn,
)
_step(
    "clarification_received",
    "/{number}/clarification/received",
    "收到补正",
    clock_services.receive_clarification,
    SupplementIn,
)
_step(
    "clarification_expired",
    "/{number}/clarification/expired",
    "逾期未补正，不再处理",
    clock_services.expire_clarification,
    Dated,
)
_step(
    "consult",
    "/{number}/consultations",
    "征求第三方或其他机关意见",
    clock_services.start_consultation,
    ConsultIn,
)


@steps.post("/{number}/consultations/{consultation_id}/end", response=StaffRequest, summary="意见收回")
def consultation_end(
    request: HttpRequest, number: str, consultation_id: int, body: ConsultEndIn
) -> dict[str, Any]:
    found = _part(Consultation, consultation_id, request_for(request, number), "该申请没有这次征求意见")
    return _act(request, number, clock_services.end_consultation, body, consultation=found)


_step("extend", "/{number}/extension", "延期答复（公开工作机构负责人）", clock_services.extend, ExtendIn)
_step(
    "custom_deadline",
    "/{number}/custom-deadline",
    "确定延迟答复期限（第三十五条）",
    clock_services.set_custom_deadline,
    CustomDeadlineIn,
)
_step("fee_notice", "/{number}/fee-notice", "发出信息处理费收费通知", fee_services.issue_fee_notice, FeeIn)
_step("fee_paid", "/{number}/fee-notice/paid", "已缴纳信息处理费", fee_services.record_payment, Dated)
_step("fee_expired", "/{number}/fee-notice/expired", "逾期未缴费，不再处理", fee_services.expire_fee, Dated)


@steps.post("/{number}/reply", response=StaffRequest, summary="答复（生成告知书）")
def reply(request: HttpRequest, number: str, body: ReplyIn) -> dict[str, Any]:
    target = request_for(request, number)
    services.reply(
        request=target,
        by=staff(request),
        outcome=body.outcome,
        reasons=body.reasons,
        how_to_obtain=body.how_to_obtain,
        publication=publication_by_index(body.publication),
        pages=body.pages,
        on=body.on or timezone.localdate(),
        expected_version=body.expected_version,
    )
    return _now(target)


_step("deliver", "/{number}/deliver", "送达", services.deliver, Dated)
_step("close", "/{number}/close", "办结", services.close, Dated)
_step("appeal", "/{number}/appeals", "登记行政复议或行政诉讼", appeals.file_appeal, AppealIn)


@steps.post("/{number}/appeals/{appeal_id}/decision", response=StaffRequest, summary="复议决定或判决结果")
def decide(request: HttpRequest, number: str, appeal_id: int, body: DecisionIn) -> dict[str, Any]:
    found = _part(Appeal, appeal_id, request_for(request, number), "该申请没有这项复议或诉讼")
    return _act(request, number, appeals.decide_appeal, body, appeal=found)
