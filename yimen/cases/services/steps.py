"""Write paths of a case after intake: one service per step of the transition table (transitions.py).

Every service checks the transition and the person's role on the case as the caller read it, and
writes the case (guarded by the version read: optimistic locking, see transitions.step), a CaseEvent
for the applicant's timeline, an audit entry and its outbox events in one transaction. Filing a case
is in intake.py, the joint items' 并联审查 in reviews.py.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from yimen.cases import figures, issuers, links
from yimen.cases.deadlines import Pause, compute_deadlines, paused_workdays
from yimen.cases.events import (
    ACCEPTED,
    CONCLUDED,
    DELIVERED,
    REFUSED,
    SUPPLEMENT_REQUESTED,
    WITHDRAWN,
)
from yimen.cases.models import (
    Case,
    DeliveryMethod,
    Result,
    Review,
    ReviewState,
    SpecialProcedure,
)
from yimen.cases.transitions import (
    checked,
    day,
    emit,
    event,
    joint_of,
    save,
    sms,
    step,
    steps_of,
    updated,
)
from yimen.core import audit, batch, calendar
from yimen.core.errors import ApplicationError, TransitionError
from yimen.org.models import Staff


@step
def accept(
    *, case: Case, by: Staff | None, expected_version: int | None = None, at: datetime | None = None
) -> Case:
    """受理: the clock starts; deadlines are set; a joint item gets one review per participating organisation.
    `by` None: the system, for a 一件事's serial part once the part before it issued (certificates.combined)."""
    case, target = checked(case, "accept", by, expected_version)
    case.accepted_at = at or timezone.now()
    figures.written(case.accepted_at)
    compute_deadlines(case, pauses=())  # 特别程序 start only after acceptance
    case.step, case.step_index = steps_of(case.version)[0], 0
    save(case, target, "accepted_at", "promised_due", "legal_due", "due_provisional", "step", "step_index")
    if joint := joint_of(case.version):
        Review.objects.bulk_create(Review(case=case, organisation_id=org) for org in joint)
    event(case, "accept", by, promised_due=case.promised_due.isoformat() if case.promised_due else None)
    audit.record("cases.accepted", case, actor=by, after={"promised_due": case.promised_due})
    emit(case, ACCEPTED)
    if not case.version.is_immediate:  # a 即办件 gets its conclusion SMS a moment later
        sms(case, "case.accepted", code=case.query_code, due=day(case.promised_due))
    return case


def _reason(reason: str, field: str = "reason") -> str:
    if not reason.strip():
        raise ApplicationError("请写明理由", fields={field: ["理由：必填，将告知申请人"]})
    return reason.strip()[:300]


@step
def refuse(*, case: Case, by: Staff | None, reason: str, expected_version: int | None = None) -> Case:
    """不予受理, with the reason the notice gives the applicant. `by` None: the system, for a 一件事's serial
    part whose predecessor did not issue (certificates.combined)."""
    reason = _reason(reason)
    case, target = checked(case, "refuse", by, expected_version)
    case.result_reason, case.concluded_at = reason, timezone.now()
    save(case, target, "result_reason", "concluded_at")
    event(case, "refuse", by, note=reason)
    audit.record("cases.refused", case, actor=by, after={"reason": reason})
    emit(case, REFUSED, reason=reason)
    return case


@step
def request_supplement(
    *, case: Case, by: Staff, materials: list[str], note: str = "", expected_version: int | None = None
) -> Case:
    """补齐补正, told once (一次性告知, 行政许可法 第三十二条): every missing material in one notice."""
    missing = [m.strip() for m in materials if m.strip()]
    if not missing:
        raise ApplicationError(
            "请列出需要补正的材料", fields={"materials": ["补正材料：至少列出一项，一次性告知"]}
        )
    case, target = checked(case, "request_supplement", by, expected_version)
    save(case, target)
    by_day = calendar.add_workdays(timezone.localdate(), settings.YIMEN["SUPPLEMENT_WORKDAYS"]).date
    event(case, "request_supplement", by, note=note, materials=missing, due=by_day.isoformat())
    audit.record("cases.supplement_requested", case, actor=by, after={"materials": missing})
    emit(case, SUPPLEMENT_REQUESTED, materials=tuple(missing))
    sms(case, "case.supplement", materials="、".join(missing), due=day(by_day))
    return case


@step
def supplement_received(*, case: Case, by: Staff, expected_version: int | None = None) -> Case:
    case, target = checked(case, "supplement_received", by, expected_version)
    save(case, target)
    event(case, "supplement_received", by)
    audit.record("cases.supplement_received", case, actor=by)
    updated(case, "supplement_received")
    return case


@step
def withdraw(
    *, case: Case, reason: str, by: Staff | None = None, expected_version: int | None = None
) -> Case:
    """撤件 by the applicant; after acceptance it closes the case as 退件 (申请人主动放弃)."""
    reason = _reason(reason)
    case, target = checked(case, "withdraw", None, expected_version)
    was_accepted = case.accepted_at is not None
    case.concluded_at, case.result_reason = timezone.now(), reason
    case.result = Result.RETURNED if was_accepted else ""
    save(case, target, "concluded_at", "result_reason", "result")
    event(case, "withdraw", by, note=reason)
    audit.record("cases.withdrawn", case, actor=by or "申请人", after={"reason": reason})
    emit(case, WITHDRAWN)
    return case


@step
def advance(*, case: Case, by: Staff, opinion: str = "", expected_version: int | None = None) -> Case:
    """The current step (承办 → 审核 → 批准, or the item's own steps) is done; the next one starts."""
    case, target = checked(case, "advance", by, expected_version)
    steps = steps_of(case.version)
    if case.step_index + 1 >= len(steps):
        raise TransitionError(f"“{case.step}”已是最后一个环节，请作出办结决定")
    done = case.step
    case.step_index += 1
    case.step = steps[case.step_index]
    save(case, target, "step", "step_index")
    event(case, "advance", by, note=opinion, done=done, next=case.step)
    audit.record("cases.advanced", case, actor=by, after={"done": done, "next": case.step})
    updated(case, "advance")
    return case


@step
def start_special(
    *, case: Case, by: Staff, reason: str, on: date | None = None, expected_version: int | None = None
) -> Case:
    """特别程序 begins (行政许可法 第四十五条): its working days will not count toward the deadlines."""
    reason = _reason(reason)
    case, target = checked(case, "start_special", by, expected_version)
    SpecialProcedure.objects.create(case=case, reason=reason, started_on=on or timezone.localdate())
    save(case, target)
    event(case, "start_special", by, note=reason)
    audit.record("cases.special_started", case, actor=by, after={"reason": reason})
    updated(case, "start_special")
    return case


@step
def end_special(
    *, case: Case, by: Staff, on: date | None = None, expected_version: int | None = None
) -> Case:
    """特别程序 ends: the deadlines move out by the working days it took."""
    case, target = checked(case, "end_special", by, expected_version)
    procedure = case.special_procedures.filter(ended_on__isnull=True).order_by("-started_on").first()
    assert procedure is not None
    end = on or timezone.localdate()
    if end < procedure.started_on:
        raise ApplicationError("结束日期早于开始日期", fields={"on": ["结束日期：不能早于特别程序开始日期"]})
    procedure.ended_on = end
    procedure.workdays = paused_workdays([Pause(procedure.started_on, end)])
    procedure.save(update_fields=["ended_on", "workdays"])
    case.paused_workdays = sum(case.special_procedures.values_list("workdays", flat=True))
    compute_deadlines(case)
    save(case, target, "paused_workdays", "promised_due", "legal_due", "due_provisional")
    event(case, "end_special", by, workdays=procedure.workdays)
    audit.record(
        "cases.special_ended",
        case,
        actor=by,
        after={"workdays": procedure.workdays, "promised_due": case.promised_due},
    )
    updated(case, "end_special")
    return case


@step
def conclude(
    *,
    case: Case,
    by: Staff,
    result: str,
    reason: str = "",
    certificate_no: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Case:
    """办结: 出证办结 with its certificate number (none for an item whose 电子证照 the system issues and
    numbers, cases.issuers); 不予许可, 退件, 作废 or 转报 with a reason."""
    if result not in Result.values:
        raise ApplicationError("办结结果不正确", fields={"result": ["办结结果：取值不在目录中"]})
    if result == Result.ISSUED:
        if not certificate_no.strip() and not issuers.system_issued(case.item_id):
            raise ApplicationError(
                "出证办结须填写证照编号", fields={"certificate_no": ["证照编号：出证办结必填"]}
            )
    else:
        reason = _reason(reason)
    case, target = checked(case, "conclude", by, expected_version)
    # Only a joint item's cases have reviews.
    reviewed = (
        set(case.reviews.values_list("state", flat=True).distinct()) if joint_of(case.version) else set()
    )
    if ReviewState.PENDING in reviewed:
        raise TransitionError("还有联办机构未作出审查结论，不能办结")
    if result == Result.ISSUED and ReviewState.REJECTED in reviewed:
        raise TransitionError("有联办机构不同意，不能出证办结")
    case.result, case.result_reason, case.certificate_no = result, reason, certificate_no.strip()
    case.concluded_at = at or timezone.now()
    figures.written(case.concluded_at)
    save(case, target, "result", "result_reason", "certificate_no", "concluded_at")
    event(case, "conclude", by, note=reason, result=result)
    audit.record("cases.concluded", case, actor=by, after={"result": result, "reason": reason})
    emit(case, CONCLUDED, result=result)
    evaluate_url = settings.YIMEN["PUBLIC_BASE_URL"].rstrip("/") + links.evaluation_path(case)
    sms(case, "case.concluded", result=Result(result).label, evaluate_url=evaluate_url)
    return case


@batch.atomic
def record_certificate(*, case_id: int, number: str) -> None:
    """The number of a certificate the system issued for the case, written on the case (电子监察's
    result_cetr_no): several certificates of one case are joined with 「；」. A number already written is
    not written again. The case's state and version are untouched: no step is taken."""
    case = Case.objects.select_for_update().get(pk=case_id)
    numbers = [n for n in case.certificate_no.split("；") if n]
    if number in numbers:
        return
    before = case.certificate_no
    case.certificate_no = "；".join([*numbers, number])[:60]
    Case.objects.filter(pk=case_id).update(certificate_no=case.certificate_no)
    audit.record(
        "cases.certificate_recorded",
        case,
        before={"certificate_no": before},
        after={"certificate_no": case.certificate_no},
    )
    updated(case, "certificate_recorded")


@step
def accept_immediately(*, case: Case, by: Staff, certificate_no: str = "") -> Case:
    """即办件: accepted and concluded (出证办结) at the window in one step."""
    if not case.version.is_immediate:
        raise TransitionError("该事项不是即办件")
    case = accept(case=case, by=by)
    return conclude(
        case=case, by=by, result=Result.ISSUED, certificate_no=certificate_no, at=case.accepted_at
    )


@step
def deliver(
    *, case: Case, by: Staff, method: str, tracking_no: str = "", expected_version: int | None = None
) -> Case:
    if method not in DeliveryMethod.values:
        raise ApplicationError(
            "送达方式不正确", fields={"method": ["送达方式：窗口领取、邮寄送达或电子送达"]}
        )
    if method == DeliveryMethod.COURIER and not tracking_no.strip():
        raise ApplicationError("邮寄送达须填写快递单号", fields={"tracking_no": ["快递单号：邮寄送达必填"]})
    case, target = checked(case, "deliver", by, expected_version)
    case.delivery_method, case.tracking_no, case.delivered_at = method, tracking_no.strip(), timezone.now()
    save(case, target, "delivery_method", "tracking_no", "delivered_at")
    event(case, "deliver", by, method=method, tracking_no=case.tracking_no)
    audit.record("cases.delivered", case, actor=by, after={"method": method})
    emit(case, DELIVERED, method=method)
    tracking = f"，运单号{case.tracking_no}" if case.tracking_no else ""
    sms(case, "case.delivered", method=DeliveryMethod(method).label, tracking=tracking)
    return case
