"""The events of cases (办件), their evaluations (好差评) and 电子监察.

A case's step emits its event in the step's transaction, keyed by the case and its lock version, so a
step run again after a conflict writes it once. They are the contract for subscribers
outside the apps (e-certificates, data exchange).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from yimen.core.events import define


@dataclass(frozen=True)
class CaseStep:
    case: int  # the case's id
    number: str  # 办件编号
    state: str  # the state the step left the case in (CaseState)


@dataclass(frozen=True)
class CaseRefused(CaseStep):
    reason: str


@dataclass(frozen=True)
class SupplementRequested(CaseStep):
    materials: tuple[str, ...]  # every missing material, told once (一次性告知)


@dataclass(frozen=True)
class CaseConcluded(CaseStep):
    result: str  # Result: 准予, 不予, 退件 …


@dataclass(frozen=True)
class CaseDelivered(CaseStep):
    method: str  # DeliveryMethod


@dataclass(frozen=True)
class CaseUpdated(CaseStep):
    change: str  # what changed: advance, supplement_received, start_special, end_special, review,
    # certificate_recorded, applicant_corrected, applicant_erased, anonymised, file_added


SUBMITTED = define(
    "case.submitted",
    CaseStep,
    """申报: an applicant filed a case online, or a window registered one (cases.services.intake.submit).""",
)
ACCEPTED = define(
    "case.accepted",
    CaseStep,
    """受理: a window accepted the case and its clock started (cases.services.steps.accept).""",
)
REFUSED = define(
    "case.refused",
    CaseRefused,
    """不予受理: a window refused the case, with the reason told to the applicant
    (cases.services.steps.refuse).""",
)
SUPPLEMENT_REQUESTED = define(
    "case.supplement_requested",
    SupplementRequested,
    """补齐补正: the window told the applicant every missing material at once
    (cases.services.steps.request_supplement).""",
)
WITHDRAWN = define(
    "case.withdrawn",
    CaseStep,
    """撤件: the applicant withdrew the case, before or after acceptance (cases.services.steps.withdraw).""",
)
CONCLUDED = define(
    "case.concluded",
    CaseConcluded,
    """办结: the case was decided, on review or on the spot for a 即办件 (cases.services.steps.conclude).
    E-certificates are to be issued from it.""",
)
DELIVERED = define(
    "case.delivered",
    CaseDelivered,
    """送达: the decision reached the applicant (cases.services.steps.deliver).""",
)
UPDATED = define(
    "case.updated",
    CaseUpdated,
    """A change to what a case's record says that has no event of its own: a step done (环节办理), 补正
    materials received, a 特别程序 begun or ended, a joint review decided, a certificate number recorded,
    the applicant's data corrected or erased, the case anonymised past its retention, a file added. Data
    exchange re-reads the case and re-sends what changed (a correction under the same row_guid).""",
)


@dataclass(frozen=True)
class EvaluationReceived:
    evaluation: int  # the Evaluation's id
    case: int  # the case's id
    number: str  # 办件编号
    level: int  # 1 非常不满意 … 5 非常满意


EVALUATION_RECEIVED = define(
    "evaluation.received",
    EvaluationReceived,
    """一事一评: the applicant evaluated a concluded case (cases.services.evaluations.evaluate); a 差评 also
    opens a work order (workorder.opened).""",
)


@dataclass(frozen=True)
class WorkOrderOpened:
    work_order: int  # the WorkOrder's id
    number: str  # the evaluated case's 办件编号
    organisation: int  # the id of the organisation that must rectify
    due: datetime  # the end of the WORK_ORDER_DAYS-th working day


@dataclass(frozen=True)
class WorkOrderStep:
    work_order: int  # the WorkOrder's id
    number: str  # the evaluated case's 办件编号


@dataclass(frozen=True)
class WorkOrderReplied(WorkOrderStep):
    reply: str  # what the applicant is told
    on_time: bool  # replied by the work order's due time


WORK_ORDER_OPENED = define(
    "workorder.opened",
    WorkOrderOpened,
    """差评整改: a 差评 opened its rectification work order (cases.services.evaluations.evaluate).""",
)
WORK_ORDER_REPLIED = define(
    "workorder.replied",
    WorkOrderReplied,
    """答复申请人: the organisation replied to the applicant (cases.services.evaluations.reply), which queues
    the applicant's SMS in the same transaction.""",
)
WORK_ORDER_CLOSED = define(
    "workorder.closed",
    WorkOrderStep,
    """办结: a replied work order was closed (cases.services.evaluations.close).""",
)


@dataclass(frozen=True)
class OrganisationCards:
    code: str  # the organisation's code
    organisation: str  # its name
    red: int  # 红牌: overdue
    yellow: int  # 黄牌: close to the deadline


@dataclass(frozen=True)
class SupervisionDigest:
    date: date  # the day it reports on
    organisations: tuple[OrganisationCards, ...]  # each organisation with cards
    red: int  # all organisations together
    yellow: int


SUPERVISION_DIGEST = define(
    "supervision.digest",
    SupervisionDigest,
    """电子监察日报: each organisation's red and yellow cards, once a day (`yimen supervise`,
    cases.services.supervision.emit_digest). Cases listen and text each supervisor the counts
    within their reach.""",
)
