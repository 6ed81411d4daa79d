"""The state machine of a disclosure request and what every step does: lock the row, check the state and
the role, save with a new lock version (recomputing the clock when it moved), write the timeline event,
the audit entry and the outbox event. Of two officers acting at once, one wins and the other gets the
TransitionError (HTTP 409) of a state that no longer allows the step, or of a stale lock version."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from yimen.core import audit, events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.workflow import Workflow
from yimen.disclosure import deadlines
from yimen.disclosure.events import RequestStep
from yimen.disclosure.models import DisclosureRequest, EventKind, Outcome, Reply, RequestEvent, RequestState
from yimen.disclosure.replies import reply_text
from yimen.org.models import Staff
from yimen.org.permissions import can

S = RequestState
OPEN = (S.REGISTERED, S.IN_PROGRESS)
WORKING = (S.IN_PROGRESS, S.CONSULTING)
REQUEST = Workflow(
    states=RequestState,
    transitions={
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
    },
    labels={
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
    },
    refusal="申请当前为“{state}”，不能{action}",
)
# 条例第三十三条: an extension needs the consent of the head of the office (政府信息公开工作机构负责人).
NEEDS = {"extend": "disclosure.approve"}
# Outcomes that follow from the applicant's silence, not from a reply.
BY_EXPIRY = (Outcome.NO_CLARIFICATION, Outcome.FEE_UNPAID)


def today() -> date:
    return timezone.localdate()


def refused(field: str, summary: str, detail: str) -> ApplicationError:
    """The error of a step refused for one field: `summary` above the form, `detail` next to the field."""
    return ApplicationError(summary, fields={field: [detail]})


def required(value: str, field: str, label: str) -> str:
    if not value or not value.strip():
        raise refused(field, f"请填写{label}", f"{label}：必填")
    return value.strip()


def not_before(day: date, earliest: date, field: str, label: str, what: str) -> None:
    if day < earliest:
        raise refused(field, f"{label}早于{what}", f"{label}：不能早于{what}（{earliest:%Y-%m-%d}）")
    if day > today():
        raise refused(field, f"{label}晚于今天", f"{label}：不能晚于今天")


def locked(
    request: DisclosureRequest, action: str, by: Staff | None, expected_version: int | None = None
) -> tuple[DisclosureRequest, str]:
    """The request locked for update and the state it moves to, once state and role are checked."""
    locked = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
    if expected_version is not None and locked.lock_version != expected_version:
        raise TransitionError("申请已被他人更新，请刷新后重试")
    target = REQUEST.target(locked.state, action)
    if by is not None and not can(by, NEEDS.get(action, "disclosure.handle"), locked):
        if action in NEEDS:
            raise NotPermitted("延期答复须经政府信息公开工作机构负责人同意（条例第三十三条）")
        raise NotPermitted("您无权办理该申请")
    return locked, target


def save(request: DisclosureRequest, target: str, *fields: str, clock: bool = False) -> None:
    """Move to `target`; with `clock`, recompute the deadline from the request's facts first."""
    extra = deadlines.apply(request) if clock else []
    request.state = target
    request.lock_version += 1
    request.save(update_fields=["state", "lock_version", *fields, *extra])


def event(
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


def record(
    request: DisclosureRequest, event: events.Event[RequestStep], by: Staff | None, **after: Any
) -> None:
    """The audit entry (named as the event) and the outbox event of one step."""
    audit.record(event.name, request, actor=by or "申请人", after={"state": request.state, **after})
    events.emit(
        event,
        RequestStep(request=request.pk, number=request.number, state=request.state, due_on=request.due_on),
        key=f"{event.name}:{request.pk}:{request.lock_version}",
    )


def close_with(
    request: DisclosureRequest, target: str, outcome: str, by: Staff | None, on: date, kind: str
) -> None:
    """其他处理 (视为放弃申请): the request closes with a letter saying why."""
    request.outcome, request.replied_on, request.closed_on = outcome, on, on
    save(request, target, "outcome", "replied_on", "closed_on")
    Reply.objects.create(
        request=request, outcome=outcome, issued_on=on, body=reply_text(request, outcome), by=by
    )
    event(request, kind, by, on, note=Outcome(outcome).label)
    event(request, EventKind.CLOSED, by, on)
