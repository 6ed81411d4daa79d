"""The events of 依申请公开 requests: every step of a request, and the appeals about its handling.

Each step emits its event with its audit entry (`workflow.record`), keyed by the request and its lock
version; the audit action has the event's name. No handler listens to them yet: they are the contract
for subscribers outside the apps (the data exchange, the annual report's figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from yimen.core.events import define


@dataclass(frozen=True)
class RequestStep:
    request: int  # the request's id
    number: str  # 申请编号
    state: str  # the state the step left the request in (RequestState)
    due_on: date  # 答复期限 after the step


REGISTERED = define(
    "disclosure.registered",
    RequestStep,
    """A request was received (条例第二十九条), online or written down at the counter; its clock starts
    (disclosure.services.intake.register).""",
)
STARTED = define(
    "disclosure.started",
    RequestStep,
    """The officer took the request up (登记 → 办理中) (disclosure.services.steps.start).""",
)
CLARIFICATION_REQUESTED = define(
    "disclosure.clarification_requested",
    RequestStep,
    """告知补正 (条例第三十条): the applicant was told, once, everything to complete; the clock stops
    (disclosure.services.clock.request_clarification).""",
)
CLARIFICATION_RECEIVED = define(
    "disclosure.clarification_received",
    RequestStep,
    """The supplement arrived and the reply period starts again from it
    (disclosure.services.clock.receive_clarification).""",
)
CONSULTATION_STARTED = define(
    "disclosure.consultation_started",
    RequestStep,
    """征求意见 of a third party (第三十二条) or another agency (第三十四条); the time it takes is not counted
    (disclosure.services.clock.start_consultation).""",
)
CONSULTATION_ENDED = define(
    "disclosure.consultation_ended",
    RequestStep,
    """The opinion came back, or its time passed without one (disclosure.services.clock.end_consultation).""",
)
EXTENDED = define(
    "disclosure.extended",
    RequestStep,
    """延期答复 (条例第三十三条第二款), approved by the head of the office
    (disclosure.services.clock.extend).""",
)
CUSTOM_DEADLINE = define(
    "disclosure.custom_deadline",
    RequestStep,
    """条例第三十五条: a reasonable later deadline was set for requests beyond a reasonable number or
    frequency (disclosure.services.clock.set_custom_deadline).""",
)
RECOMPUTED = define(
    "disclosure.recomputed",
    RequestStep,
    """A calendar change moved an open request's deadline (disclosure.services.clock.recompute, run by the
    calendar.changed handler).""",
)
FEE_NOTICE = define(
    "disclosure.fee_notice",
    RequestStep,
    """收费通知 (信息处理费) was issued; the request waits for payment (disclosure.services.fees.issue_fee_notice).""",
)
FEE_PAID = define(
    "disclosure.fee_paid",
    RequestStep,
    """The fee was paid in time and handling continues (disclosure.services.fees.record_payment).""",
)
REPLIED = define(
    "disclosure.replied",
    RequestStep,
    """答复 (条例第三十六条): the request was answered with one outcome and its letter
    (disclosure.services.steps.reply).""",
)
DELIVERED = define(
    "disclosure.delivered",
    RequestStep,
    """The reply was delivered the way the applicant asked (disclosure.services.steps.deliver).""",
)
CLOSED = define(
    "disclosure.closed",
    RequestStep,
    """办结: archived after delivery (disclosure.services.steps.close), or closed as 视为放弃申请 when a supplement or
    a fee did not come in time (expire_clarification, expire_fee).""",
)


@dataclass(frozen=True)
class AppealStep:
    appeal: int  # the Appeal's id
    request: int  # the request's id
    kind: str  # AppealKind: 行政复议, 行政诉讼 …
    result: str  # AppealResult, empty while 尚未审结


APPEAL_FILED = define(
    "disclosure.appeal_filed",
    AppealStep,
    """The applicant applied for 行政复议 or sued about the request's handling
    (disclosure.services.appeals.file_appeal).""",
)
APPEAL_DECIDED = define(
    "disclosure.appeal_decided",
    AppealStep,
    """The 复议决定 or judgment was recorded, with its result (disclosure.services.appeals.decide_appeal).""",
)
