"""好差评 write paths (国办发〔2019〕51号): one evaluation per case, and the rectification of a 差评.

一事一评: a concluded or delivered case is evaluated once. A 差评 (不满意 or 非常不满意) opens a
差评整改工单 in the same transaction, due at the end of the WORK_ORDER_DAYS-th working day (local practice:
15, e.g. 泸州 "在15个工作日内整改到位"); the order gets an owner, a reply to the applicant, and is closed.
An evaluation is not a step of the case, so it writes no CaseEvent: the audit log and the outbox record it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from yimen.cases.deadlines import END_OF_DAY
from yimen.cases.events import (
    EVALUATION_RECEIVED,
    WORK_ORDER_CLOSED,
    WORK_ORDER_OPENED,
    WORK_ORDER_REPLIED,
    EvaluationReceived,
    WorkOrderOpened,
    WorkOrderStep,
)
from yimen.cases.models import Case, CaseState, Channel, Evaluation, Level, WorkOrder, WorkOrderState
from yimen.cases.transitions import centre_name
from yimen.core import audit, batch, calendar, events, notify
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.workflow import Workflow
from yimen.org.models import Staff
from yimen.org.permissions import can

# The national indicators (评价内容 "原则上应全国标准统一"); 整体满意度 is the evaluation's level itself.
OVERALL = "overall"
INDICATORS: dict[str, dict[str, str]] = {
    Channel.ONLINE: {
        OVERALL: "整体满意度",
        "efficiency": "办事效率",
        "guide_accuracy": "办事指南精确度",
        "convenience": "办事便捷度",
        "usability": "平台操作性",
    },
    Channel.WINDOW: {
        OVERALL: "整体满意度",
        "efficiency": "服务效率",
        "competence": "服务水平",
        "attitude": "服务态度",
    },
}
EVALUABLE_STATES = (CaseState.CONCLUDED, CaseState.DELIVERED)

W = WorkOrderState
WORK_ORDER = Workflow(
    states=WorkOrderState,
    transitions={
        "assign": ((W.OPEN, W.REPLIED), None),
        "reply": ((W.OPEN,), W.REPLIED),
        "close": ((W.REPLIED,), W.CLOSED),
    },
    labels={"assign": "指定责任人", "reply": "答复申请人", "close": "办结"},
    refusal="工单当前为“{state}”，不能{action}",
    refusals={(W.OPEN, "close"): "工单当前为“{state}”，不能{action}，须先答复申请人"},
)


def indicators_for(channel: str) -> dict[str, str]:
    """The indicators rated besides the level: online ones for an online case, the hall's otherwise."""
    return {code: label for code, label in INDICATORS[channel].items() if code != OVERALL}


def _checked_indicators(channel: str, level: int, given: Mapping[str, Any]) -> dict[str, int]:
    """Each indicator known for the channel and rated 1–5; 整体满意度 is the level (optional: the applicant
    may rate only the level)."""
    known = indicators_for(channel)
    errors: dict[str, list[str]] = {}
    checked: dict[str, int] = {OVERALL: level}
    for code, value in given.items():
        if code == OVERALL:
            if value != level:
                errors[code] = ["整体满意度：应与评价等级一致"]
            continue
        if code not in known:
            names = "、".join(known.values())
            errors[code] = [f"评价指标“{code}”：{Channel(channel).label}的指标只有{names}"]
        elif isinstance(value, bool) or not (isinstance(value, int) and value in Level.values):
            errors[code] = [f"{known[code]}：应为 1 至 5 的等级"]
        else:
            checked[code] = value
    if errors:
        raise ApplicationError("评价指标有误", fields=errors)
    return checked


def _checked(level: int, channel: str, comment: str) -> str:
    errors: dict[str, list[str]] = {}
    if level not in Level.values:
        errors["level"] = ["评价等级：请从非常满意、满意、基本满意、不满意、非常不满意中选择一项"]
    if channel not in Channel.values:
        errors["channel"] = ["评价渠道：只能是窗口或网上"]
    comment = comment.strip()
    if len(comment) > 500:
        errors["comment"] = [f"意见建议：最多 500 字，现有 {len(comment)} 字"]
    if errors:
        raise ApplicationError("评价内容有误", fields=errors)
    return comment


def work_order_due(opened: datetime) -> tuple[datetime, bool]:
    """The end of the WORK_ORDER_DAYS-th working day after the 差评 (the day itself not counted), and
    whether that rests on a year whose holiday notice is not loaded yet."""
    day = calendar.add_workdays(timezone.localdate(opened), settings.YIMEN["WORK_ORDER_DAYS"])
    return timezone.make_aware(datetime.combine(day.date, END_OF_DAY)), day.provisional


@batch.atomic
def evaluate(
    *,
    case: Case,
    level: int,
    indicators: Mapping[str, Any] | None = None,
    comment: str = "",
    channel: str,
    at: datetime | None = None,
) -> Evaluation:
    """一事一评: the applicant's evaluation of a concluded case; a 差评 opens its work order at once."""
    comment = _checked(level, channel, comment)
    checked = _checked_indicators(channel, level, indicators or {})
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if case.state not in EVALUABLE_STATES:
        raise TransitionError("办件办结后才能评价")
    if Evaluation.objects.filter(case=case).exists():
        raise TransitionError("该办件已评价")
    at = at or timezone.now()
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                case=case,
                level=level,
                channel=channel,
                indicators=checked,
                comment=comment,
                at=at,
                organisation_id=case.organisation_id,
                window_id=case.window_id,
            )
    except IntegrityError as exc:
        raise TransitionError("该办件已评价") from exc
    audit.record("cases.evaluated", evaluation, actor="申请人", after={"case": case.number, "level": level})
    events.emit(
        EVALUATION_RECEIVED,
        EvaluationReceived(evaluation=evaluation.pk, case=case.pk, number=case.number, level=level),
        key=f"{EVALUATION_RECEIVED.name}:{evaluation.pk}",
    )
    if evaluation.is_bad:
        _open_work_order(evaluation, case, at)
    return evaluation


def _open_work_order(evaluation: Evaluation, case: Case, at: datetime) -> WorkOrder:
    due, provisional = work_order_due(at)
    order = WorkOrder.objects.create(
        evaluation=evaluation,
        organisation_id=evaluation.organisation_id,
        opened_at=at,
        due=due,
        due_provisional=provisional,
    )
    audit.record("cases.workorder_opened", order, after={"case": case.number, "due": order.due})
    events.emit(
        WORK_ORDER_OPENED,
        WorkOrderOpened(
            work_order=order.pk, number=case.number, organisation=order.organisation_id, due=order.due
        ),
        key=f"{WORK_ORDER_OPENED.name}:{order.pk}",
    )
    return order


def _locked(order: WorkOrder, action: str, by: Staff) -> tuple[WorkOrder, str]:
    """The order locked for update and the state it moves to, after the role and the state are checked."""
    locked = (
        WorkOrder.objects.select_for_update(of=("self",)).select_related("evaluation__case").get(pk=order.pk)
    )
    if not can(by, "workorder.handle", locked):
        raise NotPermitted("您无权处理该差评整改工单")
    return locked, WORK_ORDER.target(locked.state, action)


def _emit(order: WorkOrder, event: events.Event[WorkOrderStep], **details: Any) -> None:
    events.emit(
        event,
        event.payload(work_order=order.pk, number=order.evaluation.case.number, **details),
        key=f"{event.name}:{order.pk}",
    )


@batch.atomic
def assign_owner(*, order: WorkOrder, owner: Staff, by: Staff) -> WorkOrder:
    """责任人: someone who may handle this organisation's work orders."""
    order, target = _locked(order, "assign", by)
    if not can(owner, "workorder.handle", order):
        raise ApplicationError(
            "责任人不能处理该工单", fields={"owner": [f"责任人：{owner}无权处理本单位的差评整改工单"]}
        )
    before = {"owner": str(order.owner) if order.owner else None}
    order.owner, order.state = owner, target
    order.save(update_fields=["owner", "state"])
    audit.record("cases.workorder_assigned", order, actor=by, before=before, after={"owner": str(owner)})
    return order


@batch.atomic
def reply(
    *, order: WorkOrder, by: Staff, findings: str = "", reply: str, at: datetime | None = None
) -> WorkOrder:
    """答复申请人 with what was found and done; an unassigned order becomes the replier's own."""
    text = reply.strip()
    if not text:
        raise ApplicationError("请填写答复内容", fields={"reply": ["答复申请人：必填，将告知申请人"]})
    order, target = _locked(order, "reply", by)
    order.findings, order.reply = findings.strip(), text
    order.replied_at, order.state = at or timezone.now(), target
    order.owner = order.owner or by
    order.save(update_fields=["findings", "reply", "replied_at", "state", "owner"])
    audit.record("cases.workorder_replied", order, actor=by, after={"reply": text})
    _emit(order, WORK_ORDER_REPLIED, reply=text, on_time=order.replied_at <= order.due)
    case = order.evaluation.case
    notify.queue_sms(
        phone=case.phone,
        template="workorder.replied",
        context={"centre": centre_name(), "number": case.number, "reply": text[:200]},
        key=f"sms:workorder.replied:{order.pk}",
    )
    return order


@batch.atomic
def close(*, order: WorkOrder, by: Staff, at: datetime | None = None) -> WorkOrder:
    """办结: the rectification is done; only after the applicant has had the reply."""
    order, target = _locked(order, "close", by)
    order.closed_at, order.state = at or timezone.now(), target
    order.save(update_fields=["closed_at", "state"])
    audit.record("cases.workorder_closed", order, actor=by)
    _emit(order, WORK_ORDER_CLOSED)
    return order
