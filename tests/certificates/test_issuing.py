"""出证: a case concluded 出证办结 issues its item's certificate once, signed and rendered; the issuer
注销/吊销 with a reason, renews and changes by a new version; no other organisation may."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection

from tests.cases.conftest import APPLICANT, COMPANY, file, local
from tests.certificates.conftest import FOOD_TYPE, MARKET_USCC, concluded, work_off
from yimen.cases.models import Case, Result
from yimen.cases.services import steps
from yimen.certificates import identifiers, queries, services, signing
from yimen.certificates.events import ISSUED
from yimen.certificates.models import Certificate, CertificateState, Operation
from yimen.core import events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage

pytestmark = pytest.mark.django_db


def test_a_case_concluded_with_a_certificate_issues_exactly_one_even_when_the_event_comes_twice(
    cast, food, licence
) -> None:
    case = concluded(cast, licence, at=local(2026, 3, 2, 10))
    [message] = [m for m in events.claim() if m.name == "case.concluded"]
    assert events.deliver(message)
    assert events.deliver(message)  # the worker died before acknowledging: delivered again
    services.issue_for_case(case_id=case.pk)  # and a direct repeat
    work_off()

    [certificate] = Certificate.objects.filter(case=case)
    assert certificate.type == food and certificate.operation == Operation.NEW
    assert certificate.holder_name == COMPANY.name and certificate.holder_code == COMPANY.uscc
    assert certificate.holder_code_type == "001"
    assert certificate.issuer_code == MARKET_USCC and certificate.area_code == "421200"
    assert (certificate.issued_on, certificate.valid_from, certificate.valid_to) == (
        date(2026, 3, 2),
        date(2026, 3, 2),
        date(2031, 3, 1),  # five years, the day before the anniversary
    )
    assert certificate.number == f"JY{certificate.serial}" and certificate.serial == "20260000001"
    assert certificate.identifier == f"1.2.156.3005.2.{FOOD_TYPE}.{MARKET_USCC}.20260000001.001." + (
        identifiers.mod37_36(FOOD_TYPE + MARKET_USCC + "20260000001" + "001")
    )
    assert len(certificate.verify_code) == 4 and certificate.verify_code.isdigit()
    # The number is written on the case, as 电子监察 reads it.
    assert Case.objects.get(pk=case.pk).certificate_no == certificate.number
    assert OutboxMessage.objects.filter(name=ISSUED.name).count() == 1
    assert AuditEntry.objects.filter(action="certificates.issued").count() == 1


def test_the_certificate_is_signed_over_its_content_and_its_files_are_stored(issued) -> None:
    data = signing.canonical(services.signed_content(issued))
    assert issued.digest == signing.digest(data)
    assert services.signature_holds(issued)
    assert issued.ofd.read()[:2] == b"PK" and issued.pdf.read()[:5] == b"%PDF-"
    issued.ofd.seek(0)
    assert signing.digest(issued.ofd.read()) == issued.ofd_digest
    assert issued.ofd.name.startswith(f"certificates/2026/{issued.identifier.replace('.', '_')}")


def test_the_holder_code_is_sealed_at_rest(issued) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT holder_code, content FROM certificates_certificate")
        code, _ = cursor.fetchone()
    assert COMPANY.uscc not in code


def test_a_case_of_an_item_without_a_certificate_type_still_needs_a_typed_number(cast, licence) -> None:
    case = steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    with pytest.raises(ApplicationError) as refused:
        steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED)
    assert "证照编号" in str(refused.value.fields["certificate_no"])


def test_a_person_cannot_hold_a_certificate_for_legal_persons(cast, food, licence) -> None:
    case = concluded(cast, licence, applicant=APPLICANT)
    work_off()
    assert not Certificate.objects.filter(case=case).exists()
    assert AuditEntry.objects.filter(action="certificates.not_issued").count() == 1


def test_a_second_case_of_the_same_holder_renews_the_live_certificate(cast, food, licence) -> None:
    first_case = concluded(cast, licence)
    work_off()
    second_case = concluded(cast, licence)
    work_off()
    first = Certificate.objects.get(case=first_case)
    second = Certificate.objects.get(case=second_case)
    assert first.state == CertificateState.LAPSED and second.replaces == first
    assert (second.serial, second.version, second.operation) == (first.serial, 2, Operation.RENEWAL)
    assert second.identifier.endswith(".002." + second.identifier[-1])


def test_the_issuer_revokes_with_a_reason_and_another_organisation_cannot(cast, issued) -> None:
    with pytest.raises(NotPermitted):
        services.change_state(certificate=issued, by=cast.other, action="revoke", reason="冒名")
    with pytest.raises(ApplicationError) as refused:
        services.change_state(certificate=issued, by=cast.reviewer, action="revoke", reason=" ")
    assert "原因" in str(refused.value.fields["reason"])
    revoked = services.change_state(
        certificate=issued, by=cast.reviewer, action="revoke", reason="以欺骗手段取得许可"
    )
    assert (revoked.state, revoked.state_reason) == (CertificateState.REVOKED, "以欺骗手段取得许可")
    assert queries.effective_state(revoked) == CertificateState.REVOKED
    with pytest.raises(TransitionError, match="吊销"):
        services.change_state(certificate=revoked, by=cast.reviewer, action="cancel", reason="重复")
    entry = AuditEntry.objects.get(action="certificates.revoke")
    assert entry.summary["after"]["reason"] == "以欺骗手段取得许可"


def test_a_stale_form_changes_nothing(cast, issued) -> None:
    with pytest.raises(TransitionError, match="刷新"):
        services.change_state(
            certificate=issued, by=cast.reviewer, action="cancel", reason="歇业", expected_version=7
        )
    assert Certificate.objects.get(pk=issued.pk).state == CertificateState.VALID


def test_renewal_and_change_issue_new_versions(cast, issued) -> None:
    changed = services.new_version(
        certificate=issued,
        by=cast.reviewer,
        operation=Operation.CHANGE,
        reason="名称变更",
        holder_name="咸宁市青山餐饮有限公司",
    )
    assert (changed.version, changed.holder_name, changed.valid_to) == (
        2,
        "咸宁市青山餐饮有限公司",
        issued.valid_to,
    )
    assert changed.number == issued.number and changed.replaces_id == issued.pk
    assert Certificate.objects.get(pk=issued.pk).state == CertificateState.LAPSED
    with pytest.raises(TransitionError):
        services.new_version(certificate=issued, by=cast.reviewer, operation=Operation.RENEWAL, reason="延续")
    assert services.signature_holds(changed)
    assert services.signed_content(changed)["replaces"] == issued.identifier


def test_a_lapsed_validity_reads_as_lapsed(issued) -> None:
    assert queries.effective_state(issued, today=issued.valid_to) == CertificateState.VALID
    later = issued.valid_to + timedelta(days=1)
    assert queries.effective_state(issued, today=later) == CertificateState.LAPSED
