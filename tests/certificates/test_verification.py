"""电子证照核验: by identifier and 核验码, by the issued file, over the API; what each state answers, what a
tampered row or file answers, what is masked, what is logged and what is refused."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.cases.conftest import COMPANY
from tests.certificates.conftest import concluded, work_off
from tests.conftest import make_staff
from yimen.certificates import identifiers, services, signing, verification
from yimen.certificates.models import Certificate, Operation, Verification
from yimen.certificates.verification import Outcome
from yimen.core.documents import html_pdf
from yimen.core.errors import ApplicationError
from yimen.core.models import AuditEntry
from yimen.core.throttle import LOOKUPS
from yimen.org import services as org_services
from yimen.org.models import ApiScope, Role

pytestmark = pytest.mark.django_db

MASKED_NAME = "咸**********"  # 咸宁市青山食品有限公司
MASKED_CODE = "9135**********0Y43"  # 91350100M000100Y43
OTHER_USCC = "91420100MA4K00001U"


def files_of(certificate: Certificate) -> tuple[bytes, bytes]:
    current = services.ensure_files(certificate=certificate)
    with current.ofd.open("rb") as ofd, current.pdf.open("rb") as pdf:
        return ofd.read(), pdf.read()


def unknown_identifier(certificate: Certificate) -> str:
    parsed = identifiers.parse(certificate.identifier)
    assert parsed is not None
    return str(identifiers.Identifier(parsed.type_code, parsed.issuer_code, "20269999999", 1))


def resign(certificate: Certificate) -> None:
    """What the services do after a legitimate change: sign the row's content again."""
    data = signing.canonical(services.signed_content(certificate))
    signature = signing.sign(data)
    Certificate.objects.filter(pk=certificate.pk).update(
        valid_to=certificate.valid_to,
        digest=signing.digest(data),
        signature=signature.value,
        key_id=signature.key_id,
    )


def api_verify(identifier: str, code: str, ip: str = "10.0.0.1") -> Any:
    return Client().get(f"/api/v1/certificates/{identifier}", {"code": code}, REMOTE_ADDR=ip)


def api_upload(data: bytes, name: str = "证照.pdf", ip: str = "10.0.0.1") -> Any:
    return Client().post(
        "/api/v1/certificates/verify", {"file": SimpleUploadedFile(name, data)}, REMOTE_ADDR=ip
    )


# --- by identifier and code -------------------------------------------------------------------------


def test_the_right_code_shows_the_certificate_valid_with_its_holder_masked(issued) -> None:
    result = verification.verify_by_code(issued.identifier, issued.verify_code)
    assert result.outcome == Outcome.VALID and result.message.startswith("有效")
    view = result.view
    assert view is not None
    assert (view.holder_name, view.holder_code) == (MASKED_NAME, MASKED_CODE)
    assert (view.type_name, view.number, view.identifier) == (
        "食品经营许可证",
        issued.number,
        issued.identifier,
    )
    assert (view.digest, view.key_id) == (issued.digest, signing.keys().current.fingerprint)
    assert view.signature_label == "系统数字签名（非电子印章）"
    assert view.state_label == "有效" and view.validity.endswith(f"{issued.valid_to:%Y年%m月%d日}")


def test_a_wrong_code_answers_exactly_as_an_unknown_identifier(issued) -> None:
    wrong = f"{(int(issued.verify_code) + 1) % 10000:04d}"
    assert verification.verify_by_code(issued.identifier, wrong).outcome == Outcome.NOT_FOUND
    by_wrong_code = api_verify(issued.identifier, wrong)
    by_unknown = api_verify(unknown_identifier(issued), issued.verify_code)
    assert by_wrong_code.status_code == by_unknown.status_code == 404
    assert by_wrong_code.content == by_unknown.content
    assert by_wrong_code.json()["message"] == verification.NOT_FOUND


def test_the_api_shows_the_certificate_masked_and_logs_the_verification(issued) -> None:
    answer = api_verify(issued.identifier, issued.verify_code)
    assert answer.status_code == 200
    body = answer.json()
    assert body["outcome"] == "valid" and body["certificate"]["holder_name"] == MASKED_NAME
    assert COMPANY.name not in answer.content.decode() and COMPANY.uscc not in answer.content.decode()
    logged = Verification.objects.get()
    assert (logged.certificate_id, logged.method, logged.outcome, logged.address) == (
        issued.pk,
        "api",
        "valid",
        "10.0.0.1",
    )


def test_a_revoked_certificate_shows_its_state_and_the_issuers_reason(cast, issued) -> None:
    services.change_state(certificate=issued, by=cast.reviewer, action="revoke", reason="以欺骗手段取得许可")
    result = verification.verify_by_code(issued.identifier, issued.verify_code)
    assert result.outcome == Outcome.REVOKED and result.message.startswith("已吊销")
    assert result.reason == "以欺骗手段取得许可" and result.changed_on == timezone.localdate()
    body = api_verify(issued.identifier, issued.verify_code).json()
    assert (body["outcome"], body["certificate"]["state_label"]) == ("revoked", "吊销")
    assert body["reason"] == "以欺骗手段取得许可"
    assert Verification.objects.get().outcome == Verification.Outcome.INVALID


def test_a_certificate_past_its_validity_has_lapsed(issued) -> None:
    issued.valid_to = timezone.localdate() - timedelta(days=1)
    resign(issued)
    result = verification.verify_by_code(issued.identifier, issued.verify_code)
    assert result.outcome == Outcome.LAPSED and result.message.startswith("已失效")
    assert result.view is not None and result.view.state_label == "失效"


def test_a_validity_changed_without_signing_again_is_tampered(issued) -> None:
    Certificate.objects.filter(pk=issued.pk).update(valid_to=issued.valid_to + timedelta(days=3650))
    result = verification.verify_by_code(issued.identifier, issued.verify_code)
    assert result.outcome == Outcome.TAMPERED and result.view is None


def test_a_register_row_edited_behind_the_services_back_is_tampered(issued) -> None:
    Certificate.objects.filter(pk=issued.pk).update(holder_name="咸宁市别家食品有限公司")
    result = verification.verify_by_code(issued.identifier, issued.verify_code)
    assert result.outcome == Outcome.TAMPERED and "篡改" in result.message and result.view is None
    body = api_verify(issued.identifier, issued.verify_code).json()
    assert body["outcome"] == "tampered" and body["certificate"] is None


def test_a_replaced_version_names_the_newer_one(cast, issued) -> None:
    newer = services.new_version(
        certificate=issued, by=cast.reviewer, operation=Operation.REISSUE, reason="遗失补发"
    )
    result = verification.verify_by_code(issued.identifier, issued.verify_code)
    assert result.outcome == Outcome.LAPSED and result.newer == newer.identifier
    assert newer.identifier in result.message and result.reason == "遗失补发"
    assert verification.verify_by_code(newer.identifier, newer.verify_code).outcome == Outcome.VALID


# --- by file --------------------------------------------------------------------------------------


def test_the_issued_ofd_and_pdf_verify_as_the_very_files(issued) -> None:
    ofd, pdf = files_of(issued)
    for data in (ofd, pdf):
        result = verification.verify_file(data)
        assert result.outcome == Outcome.VALID and result.view is not None
        assert result.view.identifier == issued.identifier
    answer = api_upload(pdf)
    assert answer.status_code == 200 and answer.json()["certificate"]["holder_name"] == MASKED_NAME
    logged = Verification.objects.get()
    assert (logged.certificate_id, logged.method, logged.outcome) == (issued.pk, "api_file", "valid")


def test_a_file_with_one_byte_changed_does_not_match_the_register(issued) -> None:
    ofd, pdf = files_of(issued)
    # The PDF: one character of its text stream changed, the identifier in its metadata kept.
    at = pdf.index(b"stream") + 20
    forged_pdf = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    # The OFD: a page's content changed, its OFD.xml (with the identifier) kept.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ofd)) as source, zipfile.ZipFile(out, "w") as forged:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("Content.xml"):
                data = data.replace("食品".encode(), "药品".encode(), 1)
            forged.writestr(info, data)
    for data in (forged_pdf, out.getvalue()):
        result = verification.verify_file(data)
        assert result.outcome == Outcome.TAMPERED and result.message.startswith("文件与登记不符")
        assert result.view is None  # a forged file naming an identifier does not open it without the code
    answer = api_upload(out.getvalue(), "证照.ofd")
    assert answer.json()["outcome"] == "tampered" and answer.json()["certificate"] is None


def test_a_file_rendered_lazily_is_rendered_before_it_is_compared(issued) -> None:
    ofd, _ = files_of(issued)
    Certificate.objects.filter(pk=issued.pk).update(ofd="", ofd_digest="")
    result = verification.verify_file(ofd)
    assert result.outcome == Outcome.VALID
    assert Certificate.objects.get(pk=issued.pk).ofd_digest == signing.digest(ofd)


def test_a_file_that_is_no_certificate_gets_a_clear_answer(issued) -> None:
    with pytest.raises(ApplicationError, match="不是有效的 OFD 或 PDF 文件"):
        verification.verify_file(b"just some text, not a certificate", name="说明.txt")
    answer = api_upload(b"just some text", "说明.txt")
    assert answer.status_code == 422 and "OFD 或 PDF" in answer.json()["message"]
    pdf = html_pdf("<html><body><p>一份通知</p></body></html>")
    assert verification.verify_file(pdf).outcome == Outcome.NOT_FOUND
    assert api_upload(pdf).status_code == 404
    assert Verification.objects.filter(method="api_file", outcome="not_found").count() == 2


def test_the_upload_endpoint_takes_multipart_and_refuses_other_bodies(issued) -> None:
    refused = Client().post("/api/v1/certificates/verify", "{}", content_type="text/plain")
    assert refused.status_code == 415


# --- budgets --------------------------------------------------------------------------------------


def test_the_eleventh_failed_lookup_from_one_address_is_refused_even_with_the_right_code(issued) -> None:
    for n in range(10):
        assert (
            api_verify(issued.identifier, f"{(int(issued.verify_code) + 1 + n) % 10000:04d}").status_code
            == 404
        )
    refused = api_verify(issued.identifier, issued.verify_code)
    assert refused.status_code == 429 and refused.json()["message"] == LOOKUPS.message
    assert api_verify(issued.identifier, issued.verify_code, ip="10.0.0.2").status_code == 200
    assert Verification.objects.filter(outcome="not_found").count() == 10  # a refusal is no verification


def test_valid_lookups_are_not_counted_as_failures(issued) -> None:
    for _ in range(15):
        assert api_verify(issued.identifier, issued.verify_code).status_code == 200


def test_a_code_guessed_wrong_from_many_addresses_is_refused_for_the_certificate(issued) -> None:
    wrong = [f"{(int(issued.verify_code) + 1 + n) % 10000:04d}" for n in range(20)]
    for n, code in enumerate(wrong):
        assert api_verify(issued.identifier, code, ip=f"10.1.{n}.1").status_code == 404
    refused = api_verify(issued.identifier, issued.verify_code, ip="10.9.9.9")
    assert refused.status_code == 429 and "上传" in refused.json()["message"]
    _, pdf = files_of(issued)
    assert api_upload(pdf, ip="10.9.9.9").status_code == 200  # the file still verifies


# --- a holder's certificates, for machine clients -------------------------------------------------


@pytest.fixture
def key_of(cast):
    security = make_staff("security", "吴安全", cast.centre, (Role.SECURITY_ADMIN, cast.government))

    def issue(scopes: list[str]) -> str:
        _, plain = org_services.issue_api_key(
            name="市场监管局审批系统",
            staff=cast.clerk,
            organisations=[cast.market],
            scopes=scopes,
            per_minute=60,
            expires_at=timezone.now() + timedelta(days=30),
            by=security,
        )
        return plain

    return issue


def held(key: str | None, code: str = COMPANY.uscc, **extra: str) -> Any:
    headers = {"HTTP_X_API_KEY": key} if key else {}
    query = {"holder_code_type": "001", "holder_code": code, "purpose": "食品经营许可证变更 免提交", **extra}
    return Client().get("/api/v1/certificates", query, **headers)


def test_a_holders_certificates_need_a_key_with_the_scope_and_the_read_is_audited(
    cast, issued, licence, key_of
) -> None:
    other = concluded(
        cast, licence, applicant=replace(COMPANY, name="咸宁市另一家食品有限公司", uscc=OTHER_USCC)
    )
    work_off()
    assert Certificate.objects.filter(case=other).exists()
    assert held(None).status_code == 401
    assert held(key_of([ApiScope.CASE_STEPS])).status_code == 403
    key = key_of([ApiScope.CERTIFICATES_READ])
    answer = held(key)
    assert answer.status_code == 200
    listed = answer.json()
    assert [c["identifier"] for c in listed] == [issued.identifier]
    assert (
        listed[0]["state"] == "01"
        and listed[0]["live"] is True
        and listed[0]["type_name"] == "食品经营许可证"
    )
    entry = AuditEntry.objects.get(action="certificates.read")
    assert entry.summary["after"]["identifiers"] == [issued.identifier]
    assert entry.summary["after"]["purpose"] == "食品经营许可证变更 免提交"
    assert "市场监管局审批系统" in entry.actor_label and MASKED_CODE in entry.object_repr
    assert COMPANY.uscc not in json.dumps(entry.summary, ensure_ascii=False) + entry.object_repr
    bad = held(key, code="91350100M000100Y4X")
    assert bad.status_code == 422 and "holder_code" in bad.json()["fields"]


def test_the_upload_operation_is_documented_as_multipart_with_its_refusals() -> None:
    from yimen.api import api

    operation = api.get_openapi_schema()["paths"]["/api/v1/certificates/verify"]["post"]
    assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
    assert {200, 404, 415, 422, 429} <= set(operation["responses"])
