"""Reads of 电子证照: the one selector for staff (the issuing organisation's certificates), a holder's live
certificates (免提交), the state a certificate reads as today, and the holder's own list and uses."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from yimen.cases.models import Case
from yimen.certificates.models import (
    LIVE,
    Certificate,
    CertificateState,
    CertificateType,
    CertificateUse,
    HolderCodeType,
)
from yimen.core.fields import matching
from yimen.org.permissions import organisations_for

MANAGE = "certificate.manage"  # the issuing organisation sees and changes its certificates


def issues_for_item(item_id: int) -> bool:
    """Does the system issue a certificate for this item? (cases.issuers asks at 办结.)"""
    return CertificateType.objects.filter(items=item_id, is_active=True).exists()


def effective_state(certificate: Certificate, today: date | None = None) -> str:
    """The state a certificate reads as: a valid one past its 有效期截止日 has lapsed (05 失效)."""
    today = today or timezone.localdate()
    if certificate.state == CertificateState.VALID and certificate.valid_to and certificate.valid_to < today:
        return CertificateState.LAPSED
    return certificate.state


def is_live(certificate: Certificate, today: date | None = None) -> bool:
    return effective_state(certificate, today) == CertificateState.VALID


def certificates_visible_to(staff: object) -> QuerySet[Certificate]:
    """The one selector: the certificates of the organisations where `staff` manages certificates."""
    reach = organisations_for(staff, MANAGE)
    found = Certificate.objects.select_related("type")
    return found if reach is None else found.filter(issuer_id__in=reach)


def certificate_for(staff: object, pk: int) -> Certificate:
    """A certificate the staff member may see, or 404 (another organisation's answers as an unknown one)."""
    found = certificates_visible_to(staff).filter(pk=pk).first()
    if found is None:
        raise Http404("没有找到该证照")
    return found


def held_by(code_type: str, code: str) -> QuerySet[Certificate]:
    """Every certificate of a holder (111 with an ID number, 001 with a 统一社会信用代码), newest first."""
    return (
        Certificate.objects.filter(matching(Certificate, "holder_code", code), holder_code_type=code_type)
        .select_related("type")
        .order_by("-issued_on", "-id")
    )


def live_of_holder(code_type: str, code: str, type_codes: set[str] | None = None) -> list[Certificate]:
    """A holder's live certificates (有效, within their validity), of the given type codes if named."""
    today = timezone.localdate()
    found = held_by(code_type, code).filter(LIVE)
    if type_codes is not None:
        found = found.filter(type__code__in=type_codes)
    return [c for c in found if is_live(c, today)]


def holder_code_type(applicant_kind: str) -> str:
    return HolderCodeType.ID_CARD if applicant_kind == "person" else HolderCodeType.USCC


def holder_of_case(case: Case) -> tuple[str, str]:
    """(code type, code) of a case's applicant: 111 and the ID number, or 001 and the 统一社会信用代码."""
    code = case.id_number if case.applicant_kind == "person" else case.uscc
    return holder_code_type(case.applicant_kind), code


def uses_of_holder(code_type: str, code: str) -> QuerySet[CertificateUse]:
    """用证记录 of a holder's certificates: who used them, for what and when."""
    return (
        CertificateUse.objects.filter(certificate__in=held_by(code_type, code).values("pk"))
        .select_related("certificate", "organisation", "case")
        .order_by("-at", "-id")
    )


def replaced_count(case: Case) -> int:
    """免提交材料数 of a case: its uses that replaced a material of its list."""
    return CertificateUse.objects.filter(case=case).exclude(material="").count()


def replaced_materials(case: Case) -> QuerySet[CertificateUse]:
    """The materials a case did not ask for, with the certificate used for each."""
    return (
        CertificateUse.objects.filter(case=case)
        .exclude(material="")
        .select_related("certificate", "operator")
        .order_by("pk")
    )


def phone_registered(code_type: str, code: str, phone: str) -> bool:
    """Is `phone` one an applicant with this code (111: ID number, 001: 统一社会信用代码) registered on an
    earlier case? What a holder proves, with a code sent to that phone, before their certificates are
    shown or used online. Both through their blind indexes where they are sealed."""
    if not code or not phone:
        return False
    cases = Case.objects.filter(matching(Case, "phone", phone))
    if code_type == HolderCodeType.ID_CARD:
        cases = cases.filter(matching(Case, "id_number", code))
    else:
        cases = cases.filter(uscc=code)
    return cases.exists()


def of_case(case_id: int) -> QuerySet[Certificate]:
    """The certificates a case issued (新发, or 延续 of a holder's live one), by type."""
    return (
        Certificate.objects.filter(case_id=case_id).select_related("type").order_by("type__code", "version")
    )
