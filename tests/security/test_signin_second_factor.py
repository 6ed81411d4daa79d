"""GB/T 22239-2019 8.1.4.1 d: administrators, 监察 and whoever may unmask personal data sign in with a
password and a TOTP code (django-otp); the first time, they enrol an authenticator app from a QR code."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, current_code, make_staff
from yimen.core.models import AuditEntry
from yimen.org.models import Role
from yimen.org.permissions import needs_second_factor

pytestmark = pytest.mark.django_db

OFFICE_AND_ADMIN = [
    "/office/",
    "/office/audit/",
    "/office/cases/",
    "/office/calendar/",
    "/admin/",
    "/admin/org/staff/",
]


def password_step(client: Client, username: str, next_page: str = ""):
    data = {"username": username, "password": PASSWORD}
    if next_page:
        data["next"] = next_page
    return client.post("/office/login/", data)


def test_who_needs_a_second_factor(cast) -> None:
    auditor = make_staff("auditor", "审计员", cast.centre, (Role.AUDIT_ADMIN, cast.government))
    security = make_staff("security", "安全员", cast.centre, (Role.SECURITY_ADMIN, cast.government))
    needing = {s.username for s in (cast.admin, cast.supervisor, auditor, security) if needs_second_factor(s)}
    assert needing == {"admin", "supervisor", "auditor", "security"}
    assert not any(needs_second_factor(s) for s in (cast.clerk, cast.reviewer, cast.officer, cast.head))


@pytest.mark.parametrize("username", ["supervisor", "admin"])
def test_a_right_password_without_the_code_reaches_no_office_or_admin_page(client, cast, username) -> None:
    response = password_step(client, username)
    assert response.status_code == 302 and response["Location"] == "/office/login/code/"
    for path in OFFICE_AND_ADMIN:
        answer = client.get(path)
        assert answer.status_code == 302 and "/login/" in answer["Location"], path
    assert client.get("/api/v1/stats/cases").status_code in (401, 403)
    assert not AuditEntry.objects.filter(action="auth.login").exists()


def test_the_code_completes_the_sign_in_and_rotates_the_session(client, cast) -> None:
    client.get("/office/login/")
    password_step(client, "supervisor", "/office/audit/")
    pending_session = client.cookies["sessionid"].value
    page = client.get("/office/login/code/").content.decode()
    assert "请输入验证器应用中显示的 6 位动态口令" in page
    wrong = client.post("/office/login/code/", {"token": "000000"})
    assert wrong.status_code == 422 and "动态口令不正确" in wrong.content.decode()
    # django-otp makes the next try after a wrong code wait 2^n seconds; the test does not wait
    TOTPDevice.objects.filter(user=cast.supervisor).update(throttling_failure_timestamp=None)
    response = client.post("/office/login/code/", {"token": current_code(cast.supervisor)})
    assert response.status_code == 302 and response["Location"] == "/office/audit/"
    assert client.cookies["sessionid"].value != pending_session
    assert client.get("/office/audit/").status_code == 200
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.summary["after"]["second_factor"] is True


def test_a_code_is_accepted_once(client, cast) -> None:
    password_step(client, "supervisor")
    code = current_code(cast.supervisor)
    assert client.post("/office/login/code/", {"token": code}).status_code == 302
    other = Client()
    password_step(other, "supervisor")
    assert other.post("/office/login/code/", {"token": code}).status_code == 422


def test_wrong_codes_count_toward_the_lock(client, cast, settings) -> None:
    password_step(client, "supervisor")
    for _ in range(settings.YIMEN["LOGIN_MAX_FAILURES"]):
        response = client.post("/office/login/code/", {"token": "000000"})
    assert response.status_code == 302 and response["Location"] == "/office/login/"
    assert password_step(client, "supervisor").status_code == 200  # the pair is locked


def test_first_sign_in_enrols_a_device_from_the_qr_code(client, cast) -> None:
    TOTPDevice.objects.filter(user=cast.supervisor).delete()
    password_step(client, "supervisor")
    page = client.get("/office/login/code/").content.decode()
    assert 'src="data:image/svg+xml' in page and "绑定验证器应用" in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    code = f"{totp(b32decode(secret)):06d}"
    response = client.post("/office/login/code/", {"token": code})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=cast.supervisor).confirmed
    assert AuditEntry.objects.filter(action="auth.second_factor_enrolled").exists()
    assert client.get("/office/").status_code == 200


def test_a_clerk_signs_in_with_the_password_alone(client, cast) -> None:
    response = password_step(client, "clerk")
    assert response.status_code == 302 and response["Location"] == "/office/"


def test_a_session_whose_account_gains_an_administrators_role_must_sign_in_again(client, cast) -> None:
    password_step(client, "reviewer")
    assert client.get("/office/").status_code == 200
    from yimen.org.models import StaffRole

    StaffRole.objects.create(staff=cast.reviewer, role=Role.SUPERVISOR, organisation=cast.government)
    response = client.get("/office/")
    assert response.status_code == 302 and response["Location"].startswith("/office/login/")


def test_the_security_administrator_resets_a_lost_device(client, cast) -> None:
    security = make_staff("security", "安全员", cast.centre, (Role.SECURITY_ADMIN, cast.government))
    client.force_login(security)
    client.post("/office/security/", {"reset_device": "supervisor"})
    assert not TOTPDevice.objects.filter(user=cast.supervisor).exists()
    assert AuditEntry.objects.filter(action="auth.second_factor_reset").exists()
    other = Client()
    password_step(other, "supervisor")
    assert "绑定验证器应用" in other.get("/office/login/code/").content.decode()


def test_the_code_step_without_a_password_goes_back_to_the_sign_in(client, cast) -> None:
    response = client.get("/office/login/code/")
    assert response.status_code == 302 and response["Location"] == "/office/login/"
