"""个人信息权利申请's use cases (个人信息保护法 第四十五条—第四十七条、第五十条): filing on the portal or at the
window, 受理, and the answers — a copy of the requester's own records (查阅、复制), a correction of a case
through the cases' audited service (更正、补充), deletion where the law allows it (删除), or a refusal whose
reason is stored and shown to the requester (第五十条: 拒绝个人行使权利的请求的，应当说明理由).

Yimen's organisations are 国家机关 processing for their statutory duties (第十三条第一款第三项, 第三十四条):
deleting an accepted case's file would break the archive rules, so 删除 reaches only what was never
accepted (cases.services.privacy.erasable) and the answer names every record kept and why.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from yimen.cases.models import Case
from yimen.cases.services import privacy as case_privacy
from yimen.core import audit, batch, calendar, events, identity
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.core.workflow import Workflow
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can
from yimen.privacy import queries
from yimen.privacy.events import ACCEPTED, ANSWERED, FILED, RightsStep
from yimen.privacy.models import (
    Channel,
    Outcome,
    RequestState,
    RightKind,
    RightsCounter,
    RightsRequest,
    Verification,
)

HANDLE = queries.HANDLE
INTAKE = "privacy.intake"
CONTENT_LIMIT = 2000
REPLY_LIMIT = 2000
NOT_VERIFIED = "身份核验未通过：办件编号和查询码不匹配，或本机关没有以该身份证号码和手机号码登记的记录"

S = RequestState
REQUEST = Workflow(
    states=RequestState,
    transitions={
        "accept": ((S.RECEIVED,), S.HANDLING),
        "provide": ((S.HANDLING,), S.ANSWERED),
        "correct": ((S.HANDLING,), S.ANSWERED),
        "erase": ((S.HANDLING,), S.ANSWERED),
        "refuse": ((S.RECEIVED, S.HANDLING), S.ANSWERED),
    },
    labels={
        "accept": "受理",
        "provide": "提供查阅、复制",
        "correct": "更正、补充",
        "erase": "删除",
        "refuse": "不予办理",
    },
    refusal="申请当前为“{state}”，不能{action}",
    refusals={
        (S.RECEIVED, "provide"): "申请当前为“{state}”，须先受理才能{action}",
        (S.RECEIVED, "correct"): "申请当前为“{state}”，须先受理才能{action}",
        (S.RECEIVED, "erase"): "申请当前为“{state}”，须先受理才能{action}",
    },
)
# The answer each kind of request gets besides a refusal.
ANSWER_FOR = {RightKind.ACCESS: "provide", RightKind.CORRECT: "correct", RightKind.DELETE: "erase"}
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class IdentityNotVerified(ApplicationError):
    """The proof of identity did not hold (422); the portal counts it against its lookup budget."""


@dataclass(frozen=True)
class Requester:
    """Who files, and the proof that the data is theirs (which fields depend on the verification)."""

    name: str
    phone: str  # where the answer reaches them (SMS, call)
    id_number: str = ""
    # The last four digits of the phone registered on their records: the proof with the ID number, and the
    # second factor with a case's number once that number has failed often (core.throttle.SECOND_FACTOR).
    phone_tail: str = ""
    case_number: str = ""
    query_code: str = ""


def response_period() -> int:
    """The centre's rule, not the statute's: PIPL 第五十条 asks for a mechanism and sets no number of days."""
    return int(settings.YIMEN["PRIVACY_RESPONSE_WORKDAYS"])


def _step(request: RightsRequest) -> RightsStep:
    return RightsStep(
        id=request.pk,
        number=request.number,
        organisation_id=request.organisation_id,
        kind=request.kind,
        state=request.state,
        outcome=request.outcome,
    )


def _number(on: date) -> str:
    RightsCounter.objects.get_or_create(year=on.year)
    while True:
        RightsCounter.objects.filter(year=on.year).update(last=F("last") + 1)
        last = RightsCounter.objects.get(year=on.year).last
        number = f"GRQ-{on.year}-{last:05d}"
        if not RightsRequest.objects.filter(number=number).exists():
            return number


def _checked_requester(
    kind: str, verification: str, channel: str, requester: Requester, content: str
) -> tuple[dict[str, str], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    values = {"name": requester.name.strip(), "phone": identity.normalize(requester.phone)}
    if kind not in RightKind.values:
        errors["kind"] = ["申请事项：只能是查阅复制、更正补充或删除"]
    if verification not in Verification.values:
        errors["verification"] = ["身份核验方式：请从列表中选择"]
    elif verification == Verification.COUNTER and channel != Channel.WINDOW:
        errors["verification"] = ["身份核验方式：核验身份证件只能在窗口办理"]
    if not values["name"] or len(values["name"]) > 100:
        errors["name"] = ["申请人：必填，不超过100个字"]
    if not _MOBILE.match(values["phone"]):
        errors["phone"] = ["联系电话：应为11位手机号码，用于告知办理结果"]
    if not content.strip():
        errors["content"] = ["申请内容：必填，请写明要查阅、更正（及正确内容）或删除的信息"]
    elif len(content.strip()) > CONTENT_LIMIT:
        errors["content"] = [f"申请内容：不能超过{CONTENT_LIMIT}个字"]
    if verification in (Verification.ID_PHONE, Verification.COUNTER):
        try:
            values["id_number"] = identity.validate_id_number(requester.id_number)
        except identity.IdentityError as exc:
            errors["id_number"] = [str(exc)]
    if verification == Verification.ID_PHONE:
        tail = identity.normalize(requester.phone_tail)
        if not (len(tail) == 4 and tail.isdigit()):
            errors["phone_tail"] = ["登记手机号码后四位：应为4位数字"]
        values["phone_tail"] = tail
    if verification == Verification.CASE_CODE:
        if not requester.case_number.strip():
            errors["case_number"] = ["办件编号：必填"]
        if not re.fullmatch(r"\d{6}", identity.normalize(requester.query_code)):
            errors["query_code"] = ["查询码：应为6位数字（见受理通知书或短信）"]
    return values, errors


@batch.atomic
def file_request(
    *,
    kind: str,
    verification: str,
    requester: Requester,
    content: str,
    organisation: Organisation | None = None,
    channel: str = Channel.PORTAL,
    by: Staff | None = None,
    on: date | None = None,
) -> RightsRequest:
    """A rights request, received today: its identity checked, numbered with a 查询码, and due
    PRIVACY_RESPONSE_WORKDAYS working days later. With a case's number and 查询码 it goes to the case's
    organisation; otherwise to the organisation chosen."""
    values, errors = _checked_requester(kind, verification, channel, requester, content)
    if verification != Verification.CASE_CODE and organisation is None:
        errors["organisation"] = ["个人信息处理机关：请选择保存您个人信息的机关"]
    if errors:
        raise ApplicationError("个人信息权利申请有误", fields=errors)
    case: Case | None = None
    if verification == Verification.CASE_CODE:
        case = queries.case_by_code(requester.case_number, requester.query_code, requester.phone_tail or None)
        if case is None:
            raise IdentityNotVerified(NOT_VERIFIED, fields={"query_code": [NOT_VERIFIED]})
        organisation = case.organisation
    assert organisation is not None
    if channel == Channel.WINDOW and not (can(by, INTAKE, organisation) or can(by, HANDLE, organisation)):
        raise NotPermitted("您无权为该机关登记个人信息权利申请")
    if verification == Verification.ID_PHONE and not queries.holds_records(
        organisation.pk, values["id_number"], values["phone_tail"]
    ):
        raise IdentityNotVerified(NOT_VERIFIED, fields={"phone_tail": [NOT_VERIFIED]})
    received = on or timezone.localdate()
    due = calendar.add_workdays(received, response_period())
    request = RightsRequest.objects.create(
        number=_number(received),
        query_code=f"{secrets.randbelow(10**6):06d}",
        organisation=organisation,
        kind=kind,
        channel=channel,
        requester_name=values["name"],
        phone=values["phone"],
        verification=verification,
        id_number=values.get("id_number", case.id_number if case else ""),
        phone_tail=values.get("phone_tail", ""),
        case=case,
        content=content.strip(),
        received_on=received,
        due_on=due.date,
        due_provisional=due.provisional,
        created_by=by,
    )
    audit.record(
        "privacy.request_filed",
        request,
        actor=by or "申请人",
        after={"kind": kind, "verification": verification, "channel": channel, "due_on": due.date},
    )
    events.emit(FILED, _step(request), key=f"privacy:{request.pk}:filed")
    return request


def _locked(request: RightsRequest, action: str, by: Staff) -> RightsRequest:
    """The request read again under its row lock, the caller's role and the state checked."""
    if not can(by, HANDLE, request):
        raise NotPermitted("您无权办理该机关的个人信息权利申请")
    # Only the request's row: PostgreSQL locks no nullable side of an outer join (its case).
    current = (
        RightsRequest.objects.select_for_update(of=("self",))
        .select_related("organisation", "case")
        .get(pk=request.pk)
    )
    REQUEST.check(current.state, action)
    if action in ANSWER_FOR.values() and ANSWER_FOR[RightKind(current.kind)] != action:
        raise ApplicationError(
            f"该申请为“{current.get_kind_display()}”，不能以“{REQUEST.labels[action]}”答复"
        )
    return current


@batch.atomic
def accept(*, request: RightsRequest, by: Staff) -> RightsRequest:
    """受理: the organisation takes the request up; the response period keeps running from receipt."""
    current = _locked(request, "accept", by)
    current.state = REQUEST.target(current.state, "accept")
    current.accepted_at = timezone.now()
    current.save(update_fields=["state", "accepted_at"])
    audit.record("privacy.request_accepted", current, actor=by)
    events.emit(ACCEPTED, _step(current), key=f"privacy:{current.pk}:accepted")
    return current


def _checked_reply(text: str, *, required: bool, field: str = "reply") -> str:
    text = text.strip()
    if required and not text:
        message = "答复内容：必填" if field == "reply" else "不予办理的理由：必填（个人信息保护法第五十条）"
        raise ApplicationError(message, fields={field: [message]})
    if len(text) > REPLY_LIMIT:
        message = f"答复内容：不能超过{REPLY_LIMIT}个字"
        raise ApplicationError(message, fields={field: [message]})
    return text


def _answered(
    current: RightsRequest, by: Staff, action: str, outcome: str, reply: str, **detail: Any
) -> RightsRequest:
    current.state = REQUEST.target(current.state, action)
    current.outcome = outcome
    current.reply = reply
    current.answered_at = timezone.now()
    current.save(update_fields=["state", "outcome", "reply", "answered_at", "export"])
    audit.record(
        "privacy.request_answered", current, actor=by, after={"outcome": outcome, "reply": reply, **detail}
    )
    events.emit(ANSWERED, _step(current), key=f"privacy:{current.pk}:answered")
    return current


@batch.atomic
def provide_copy(*, request: RightsRequest, by: Staff, reply: str = "") -> RightsRequest:
    """第四十五条: a copy of the requester's own records, kept on the request as delivered; the requester
    downloads it with the 申请编号 and 查询码, or the office hands it over."""
    current = _locked(request, "provide", by)
    copy = queries.copy_of(current)
    cases, asked = len(copy["办件"]), len(copy["政府信息公开申请"])
    text = _checked_reply(reply, required=False) or (
        f"已提供您在{current.organisation.name}的个人信息副本：办件 {cases} 件，政府信息公开申请 {asked} 件。"
        "可凭申请编号和查询码在网上下载。"
    )
    current.export = copy
    return _answered(current, by, "provide", Outcome.PROVIDED, text, cases=cases, disclosure_requests=asked)


@batch.atomic
def correct(
    *, request: RightsRequest, by: Staff, case: Case, changes: Mapping[str, str], reply: str = ""
) -> RightsRequest:
    """第四十六条: after checking, the requester's case is corrected through the cases' audited service."""
    current = _locked(request, "correct", by)
    if case.pk not in {own.pk for own in queries.records_of(current).cases}:
        message = "所更正的办件：不是经核验属于申请人本人的记录"
        raise ApplicationError(message, fields={"case": [message]})
    corrected = case_privacy.correct_applicant(
        case=case, changes=changes, by=by, reason=f"个人信息权利申请 {current.number}"
    )
    labels = "、".join(
        case_privacy.CORRECTABLE[field][0] for field in changes if field in case_privacy.CORRECTABLE
    )
    text = _checked_reply(reply, required=False) or f"经核实，已更正办件 {corrected.number} 的{labels}。"
    return _answered(
        current, by, "correct", Outcome.CORRECTED, text, case=corrected.number, fields=sorted(changes)
    )


@batch.atomic
def erase(*, request: RightsRequest, by: Staff, reply: str = "") -> RightsRequest:
    """第四十七条: every record the law lets go is deleted; the answer names each one kept and why."""
    current = _locked(request, "erase", by)
    records = queries.records_of(current)
    erasable = [case for case in records.cases if case_privacy.erasable(case)]
    if not erasable:
        message = "没有可以删除的记录：申请人的记录均须依法保存，请以“不予办理”答复并说明理由"
        raise ApplicationError(message, fields={"reply": [message]})
    reason = f"个人信息权利申请 {current.number}"
    for case in erasable:
        case_privacy.erase_applicant(case=case, by=by, reason=reason)
    kept = [
        f"办件 {case.number}：{case_privacy.ERASE_REFUSAL}" for case in records.cases if case not in erasable
    ]
    kept += [
        f"政府信息公开申请 {asked.number}：申请及其答复须按政府信息公开条例和档案管理规定保存，不予删除"
        for asked in records.disclosure_requests
    ]
    deleted = "、".join(case.number for case in erasable)
    text = _checked_reply(reply, required=False) or "\n".join(
        [f"已删除办件 {deleted} 中您的个人信息和申请材料。", *kept]
    )
    return _answered(
        current, by, "erase", Outcome.DELETED, text, deleted=[c.number for c in erasable], kept=len(kept)
    )


@batch.atomic
def refuse(*, request: RightsRequest, by: Staff, reason: str) -> RightsRequest:
    """第五十条: a refusal gives its reason, stored and shown to the requester (who may sue, 第五十条第二款)."""
    current = _locked(request, "refuse", by)
    text = _checked_reply(reason, required=True, field="reason")
    return _answered(current, by, "refuse", Outcome.REFUSED, text)


def recompute_deadlines(*, since: date) -> int:
    """Open requests whose response period runs over changed days get their due dates again."""
    changed = 0
    for request in RightsRequest.objects.exclude(state=RequestState.ANSWERED).filter(due_on__gte=since):
        due = calendar.add_workdays(request.received_on, response_period())
        if (due.date, due.provisional) != (request.due_on, request.due_provisional):
            RightsRequest.objects.filter(pk=request.pk).update(
                due_on=due.date, due_provisional=due.provisional
            )
            changed += 1
    return changed
