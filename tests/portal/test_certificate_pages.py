"""电子证照核验 on the portal: the QR code's address opens the answer, the form and the upload answer in
Chinese with the holder masked, a wrong code is answered as an unknown identifier, failures are limited,
and the public key page lists the key that signs."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases import conftest as cases
from tests.cases.conftest import COMPANY
from tests.certificates import conftest as certificates
from yimen.certificates import services, signing
from yimen.certificates.models import Certificate, Verification
from yimen.certificates.verification import NOT_FOUND
from yimen.core.throttle import LOOKUPS

pytestmark = pytest.mark.django_db
# The certificates' fixtures: a 食品经营许可证 of 青山食品 issued from a concluded case.
licence = cases.licence
food = certificates.food
issued = certificates.issued

MASKED_NAME = "咸**********"


def wrong_code(certificate: Certificate, n: int = 1) -> str:
    return f"{(int(certificate.verify_code) + n) % 10000:04d}"


def look_up(client: Client, identifier: str, code: str, ip: str = "10.0.0.1"):
    return client.post("/certificates/verify/", {"id": identifier, "code": code}, REMOTE_ADDR=ip)


def upload(client: Client, data: bytes, name: str = "证照.pdf"):
    return client.post(
        "/certificates/verify/file/", {"file": SimpleUploadedFile(name, data)}, REMOTE_ADDR="10.0.0.1"
    )


def stored_pdf(certificate: Certificate) -> bytes:
    current = services.ensure_files(certificate=certificate)
    with current.pdf.open("rb") as pdf:
        return pdf.read()


def test_the_qr_codes_address_opens_the_answer_directly(client: Client, issued) -> None:
    address = urlsplit(services.verify_url(issued))
    page = client.get(f"{address.path}?{address.query}", REMOTE_ADDR="10.0.0.1")
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    text = page.content.decode()
    assert 'data-outcome="valid"' in text and "verdict-valid" in text and "有效：该电子证照真实有效" in text
    assert MASKED_NAME in text and issued.identifier in text and "系统数字签名（非电子印章）" in text
    assert COMPANY.name not in text and COMPANY.uscc not in text
    logged = Verification.objects.get()
    assert (logged.certificate_id, logged.method, logged.outcome) == (issued.pk, "qr", "valid")


def test_the_form_answers_and_a_wrong_code_reads_as_an_unknown_identifier(client: Client, issued) -> None:
    assert client.get("/certificates/verify/").status_code == 200
    right = look_up(client, issued.identifier, issued.verify_code)
    assert right.status_code == 200 and MASKED_NAME in right.content.decode()
    wrong = look_up(client, issued.identifier, wrong_code(issued)).content.decode()
    assert NOT_FOUND in wrong and MASKED_NAME not in wrong and "食品经营许可证" not in wrong
    assert [v.method for v in Verification.objects.order_by("id")] == ["code", "code"]


def test_a_malformed_identifier_or_code_is_named_and_not_counted(client: Client, issued) -> None:
    page = look_up(client, "1.2.3", "12ab").content.decode()
    assert "电子证照标识：格式不正确" in page and "核验码：应为4位数字" in page
    assert not Verification.objects.exists()


def test_a_revoked_certificate_shows_revoked_in_red_with_the_reason(client: Client, cast, issued) -> None:
    services.change_state(certificate=issued, by=cast.reviewer, action="revoke", reason="以欺骗手段取得许可")
    text = look_up(client, issued.identifier, issued.verify_code).content.decode()
    assert "已吊销" in text and "verdict-invalid" in text and "以欺骗手段取得许可" in text


def test_a_certificate_past_its_validity_shows_lapsed(client: Client, issued) -> None:
    issued.valid_to = issued.issued_on - timedelta(days=1)
    data = signing.canonical(services.signed_content(issued))
    signature = signing.sign(data)
    Certificate.objects.filter(pk=issued.pk).update(
        valid_to=issued.valid_to, digest=signing.digest(data), signature=signature.value
    )
    text = look_up(client, issued.identifier, issued.verify_code).content.decode()
    assert "已失效" in text and "verdict-invalid" in text


def test_an_uploaded_certificate_file_verifies_and_a_changed_one_does_not(client: Client, issued) -> None:
    pdf = stored_pdf(issued)
    valid = upload(client, pdf).content.decode()
    assert 'data-outcome="valid"' in valid and MASKED_NAME in valid
    at = pdf.index(b"stream") + 20
    forged = upload(client, pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]).content.decode()
    assert "文件与登记不符（可能被篡改）" in forged and MASKED_NAME not in forged
    refused = upload(client, b"hello", "证照.txt").content.decode()
    assert "不是有效的 OFD 或 PDF 文件" in refused
    assert [v.method for v in Verification.objects.order_by("id")] == ["file"] * 3


def test_the_upload_form_carries_a_csrf_token(issued) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/certificates/verify/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') == 2 and 'enctype="multipart/form-data"' in page
    assert upload(client, stored_pdf(issued)).status_code == 403


def test_the_eleventh_failed_lookup_from_one_address_is_refused(client: Client, issued) -> None:
    for n in range(1, 11):
        assert NOT_FOUND in look_up(client, issued.identifier, wrong_code(issued, n)).content.decode()
    refused = look_up(client, issued.identifier, issued.verify_code)
    assert refused.status_code == 429 and LOOKUPS.message in refused.content.decode()
    assert look_up(client, issued.identifier, issued.verify_code, ip="10.0.0.2").status_code == 200


def test_the_public_key_page_lists_the_signing_key_and_what_is_signed(client: Client, issued) -> None:
    page = client.get("/certificates/keys/")
    text = page.content.decode()
    current = signing.keys().current
    assert page.status_code == 200 and current.fingerprint in text and current.entry.public_key in text
    assert "SM2-with-SM3" in text and "1234567812345678" in text and "当前签名密钥" in text
    for field in services.signed_content(issued):
        assert f"<dt>{field}</dt>" in text, field


def test_verification_is_in_the_portal_navigation(client: Client) -> None:
    assert '<a href="/certificates/verify/">电子证照核验</a>' in client.get("/").content.decode()
