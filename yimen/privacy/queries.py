"""Reads of 个人信息权利申请: the one selector (`visible`, `request_for`), the identity checks the portal and the
window share, the requester's own records, and the copy made of them (第四十五条 查阅、复制).

A requester's records are exactly those the identity they proved reaches: the case named with its 查询码;
or, with the ID number and the registered phone's last four digits, the cases and 依申请公开 requests of
the chosen organisation registered under both; or, checked at the window with the ID card, those under the
ID number. Nobody else's row is read into a copy.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from yimen.cases.models import Case, CaseEvent, CaseFile
from yimen.cases.queries import public
from yimen.core.fields import matching
from yimen.core.identity import normalize
from yimen.core.people import tail_matches
from yimen.disclosure.models import DisclosureRequest
from yimen.org.models import Organisation, OrganisationKind
from yimen.org.permissions import organisations_for
from yimen.privacy.models import RequestState, RightsRequest, Verification

HANDLE = "privacy.handle"
NOT_FOUND = "没有这件个人信息权利申请"


def visible(staff: Any) -> QuerySet[RightsRequest]:
    """The requests of the organisations whose data `staff` handles (theirs and below), open ones first."""
    found = RightsRequest.objects.select_related("organisation", "case")
    reach = organisations_for(staff, HANDLE)
    return found if reach is None else found.filter(organisation_id__in=reach)


def request_for(staff: Any, pk: int) -> RightsRequest:
    """The request if `staff` may see it, else Http404 — the same answer as for an unknown one."""
    request = visible(staff).filter(pk=pk).first()
    if request is None:
        raise Http404(NOT_FOUND)
    return request


def queue(staff: Any, state: str = "") -> QuerySet[RightsRequest]:
    """The office's list: one state, or the open requests (待受理 and 办理中) by their due date."""
    found = visible(staff)
    if state in RequestState.values:
        return found.filter(state=state).order_by("-created_at", "-pk")
    return found.exclude(state=RequestState.ANSWERED).order_by("due_on", "pk")


def holders() -> QuerySet[Organisation]:
    """The organisations a request may be addressed to: those that process applicants' data."""
    kinds = [OrganisationKind.GOVERNMENT, OrganisationKind.DEPARTMENT, OrganisationKind.CENTRE]
    return Organisation.objects.filter(is_active=True, kind__in=kinds).order_by("code")


# --- identity -------------------------------------------------------------------------------------


def case_by_code(number: str, code: str, tail: str | None = None) -> Case | None:
    """The case named by its 办件编号 and 查询码 (and, when given, its phone's last four digits), checked as
    办件查询 checks them."""
    case = public.case_by_code(number=normalize(number), code=normalize(code))
    if case is None or not tail_matches(phone=case.phone, id_number=case.id_number, given=tail):
        return None
    return case


def _tail(phone: str, tail: str) -> bool:
    """The phone ends in these four digits (always, without a tail: the ID card was checked in person)."""
    return not tail or "".join(c for c in phone if c.isdigit())[-4:] == tail


def _cases(organisation_id: int, id_number: str, phone_tail: str) -> list[Case]:
    """By the ID number's blind index (the numbers are sealed, core/fields.py); the phone's tail is compared
    once each row is opened, a handful of rows per person."""
    found = (
        Case.objects.filter(matching(Case, "id_number", id_number), organisation_id=organisation_id)
        .select_related("version", "organisation")
        .order_by("submitted_at", "pk")
    )
    return [case for case in found if _tail(case.phone, phone_tail)]


def _disclosure_requests(organisation_id: int, id_number: str, phone_tail: str) -> list[DisclosureRequest]:
    found = DisclosureRequest.objects.filter(
        matching(DisclosureRequest, "id_number", id_number), organisation_id=organisation_id
    ).order_by("received_on", "pk")
    return [asked for asked in found if _tail(asked.phone, phone_tail)]


def holds_records(organisation_id: int, id_number: str, phone_tail: str) -> bool:
    """Whether the organisation holds a case or 依申请公开 request registered under the ID number and a phone
    ending in those four digits (the identity check of the ID-number route)."""
    return bool(
        _cases(organisation_id, id_number, phone_tail)
        or _disclosure_requests(organisation_id, id_number, phone_tail)
    )


@dataclass(frozen=True)
class Records:
    cases: list[Case]
    disclosure_requests: list[DisclosureRequest]


def records_of(request: RightsRequest) -> Records:
    """The requester's own records, by the identity the request proved (see the module's docstring)."""
    if request.verification == Verification.CASE_CODE:
        cases = [request.case] if request.case is not None else []
        return Records(cases, [])
    tail = request.phone_tail if request.verification == Verification.ID_PHONE else ""
    return Records(
        _cases(request.organisation_id, request.id_number, tail),
        _disclosure_requests(request.organisation_id, request.id_number, tail),
    )


# --- the copy (第四十五条) ----------------------------------------------------------------------------


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _case_copy(case: Case) -> dict[str, Any]:
    files = CaseFile.objects.filter(case=case).order_by("pk")
    steps = CaseEvent.objects.filter(case=case).order_by("at", "pk")
    return {
        "办件编号": case.number,
        "事项": case.version.name,
        "办理机构": case.organisation.name,
        "申请人类型": case.get_applicant_kind_display(),
        "申请人": case.applicant_name,
        "公民身份号码": case.id_number,
        "统一社会信用代码": case.uscc,
        "法定代表人": case.legal_representative,
        "手机号码": case.phone,
        "联系地址": case.address,
        "业务类型": case.business_type,
        "申报时间": _when(case.submitted_at),
        "状态": case.get_state_display(),
        "办结结果": case.get_result_display() if case.result else "",
        "申请材料": [{"材料": f.material, "文件名": f.name, "上传时间": _when(f.uploaded_at)} for f in files],
        "办理过程": [{"时间": _when(step.at), "环节": step.label} for step in steps],
    }


def _disclosure_copy(asked: DisclosureRequest) -> dict[str, Any]:
    return {
        "申请编号": asked.number,
        "申请人": asked.applicant_name,
        "公民身份号码": asked.id_number,
        "联系电话": asked.phone,
        "电子邮箱": asked.email,
        "通信地址": asked.address,
        "邮政编码": asked.postcode,
        "所需政府信息的描述": asked.description,
        "收到申请之日": asked.received_on.isoformat(),
        "状态": asked.get_state_display(),
    }


def copy_of(request: RightsRequest) -> dict[str, Any]:
    """The requester's personal information as this organisation holds it: every field of their own cases
    (with the names of the uploaded materials and the steps taken) and 依申请公开 requests."""
    records = records_of(request)
    return {
        "申请编号": request.number,
        "个人信息处理机关": request.organisation.name,
        "生成时间": _when(timezone.now()),
        "说明": "本副本只包含经身份核验属于申请人本人的记录（个人信息保护法第四十五条）。",
        "办件": [_case_copy(case) for case in records.cases],
        "政府信息公开申请": [_disclosure_copy(asked) for asked in records.disclosure_requests],
    }


# --- the portal's 查询 --------------------------------------------------------------------------------


def lookup(*, number: str, code: str, tail: str | None = None) -> RightsRequest | None:
    """The request whose 申请编号 and 查询码 both match (and, when a second factor is asked for, the last four
    digits of the requester's phone), else None — the same for either being wrong."""
    request = RightsRequest.objects.select_related("organisation").filter(number=normalize(number)).first()
    expected = request.query_code if request is not None else "-" * 6
    if not secrets.compare_digest(expected.encode(), normalize(code).encode()) or request is None:
        return None
    return request if tail_matches(phone=request.phone, id_number=request.id_number, given=tail) else None
