"""Office sign-in: argon2 hashes, one refusal for every failure, logout, password change (the lockout, the
second factor and the session rules: tests/security/test_signin_*.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD, current_code
from yimen.core.models import AuditEntry
from yimen.office.forms import SIGN_IN_REFUSED
from yimen.org.models import SignInLock

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str):
    return client.post("/office/login/", {"username": username, "password": password})


def test_passwords_are_stored_as_argon2(cast) -> None:
    assert cast.clerk.password.startswith("argon2")


def test_staff_signs_in_and_sees_their_organisation_and_role(client: Client, cast) -> None:
    response = _login(client, "clerk", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/office/"
    page = client.get("/office/").content.decode()
    assert "李窗口" in page and "咸宁市市场监督管理局" in page and "窗口人员" in page
    assert AuditEntry.objects.filter(action="auth.login", object_id=str(cast.clerk.pk)).exists()


def test_a_wrong_password_is_refused_in_chinese(client: Client, cast) -> None:
    response = _login(client, "clerk", "wrong")
    assert response.status_code == 200
    assert SIGN_IN_REFUSED in response.content.decode()
    assert client.get("/office/").status_code == 302  # still signed out


def test_logout_is_a_post_and_ends_the_session(client: Client, cast) -> None:
    _login(client, "clerk", PASSWORD)
    assert client.get("/office/logout/").status_code == 405
    response = client.post("/office/logout/", follow=True)
    assert "已安全退出。" in response.content.decode()
    assert client.get("/office/").status_code == 302


def test_password_change(client: Client, cast) -> None:
    _login(client, "clerk", PASSWORD)
    short = client.post(
        "/office/password/", {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"}
    )
    assert short.status_code == 200 and "密码太短" in short.content.decode()
    response = client.post(
        "/office/password/",
        {"old_password": PASSWORD, "new_password1": "Xianning-2027!x", "new_password2": "Xianning-2027!x"},
    )
    assert response.status_code == 302
    assert client.get("/office/").status_code == 200  # the session survives its own password change
    client.post("/office/logout/")
    assert _login(client, "clerk", "Xianning-2027!x").status_code == 302
    assert AuditEntry.objects.filter(action="auth.password_changed").exists()


def test_a_redirect_after_login_stays_on_this_site(client: Client, cast) -> None:
    response = client.post(
        "/office/login/", {"username": "clerk", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/office/"


def test_the_admin_has_no_sign_in_of_its_own_and_sends_people_to_the_office_one(client: Client, cast) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"] == "/office/login/?next=/admin/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'value="/admin/"' in page.content.decode()


def test_wrong_passwords_at_the_admin_lock_the_account_like_any_other(client: Client, cast, settings) -> None:
    for _ in range(20):
        response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "wrong"})
        assert response.status_code == 302  # nothing is checked there: it leads to the office's sign-in
    for _ in range(settings.YIMEN["LOGIN_MAX_FAILURES"]):
        _login(client, "admin", "wrong")
    assert SignInLock.objects.get(username="admin").locked_until is not None
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    response = client.post("/office/login/", {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 200 and SIGN_IN_REFUSED in response.content.decode()
    assert client.get("/admin/").status_code == 302  # a locked account reaches no admin page


def test_the_administrator_signs_in_at_the_office_and_lands_on_the_admin(client: Client, cast) -> None:
    response = client.post("/office/login/", {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/office/login/code/"
    response = client.post("/office/login/code/", {"token": current_code(cast.admin)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
