"""GB/T 22239-2019 8.1.4.1 b (登录连接超时自动退出) and OWASP ASVS 3.2.1 / 3.3.1 / 3.3.2 / 3.4: staff sessions
end 30 minutes after the last request and 12 hours after sign-in, on the server; logout deletes the row;
the session id changes at sign-in; the cookies are HttpOnly and SameSite."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from tests.conftest import PASSWORD
from yimen.core.models import AuditEntry
from yimen.office.signin import SEEN_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def signed_in_clerk(client: Client) -> str:
    response = client.post("/office/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    return client.cookies["sessionid"].value


def move_clocks(client: Client, **seconds_ago: float) -> None:
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = time.time() - ago
    session.save()


def test_a_session_unused_for_thirty_minutes_ends_on_the_server(client, cast, settings) -> None:
    key = signed_in_clerk(client)
    move_clocks(client, **{SEEN_AT: 29 * 60})
    assert client.get("/office/").status_code == 200  # 29 minutes: still signed in, the clock restarts
    move_clocks(client, **{SEEN_AT: settings.YIMEN["SESSION_IDLE_MINUTES"] * 60 + 1})
    response = client.get("/office/")
    assert response.status_code == 302 and response["Location"].startswith("/office/login/?next=")
    assert not Session.objects.filter(session_key=key).exists()
    assert "登录已超时" in client.get(response["Location"]).content.decode()
    assert AuditEntry.objects.get(action="auth.logout").summary["after"] == {"reason": "超时"}


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(client, cast, settings) -> None:
    assert settings.YIMEN["SESSION_ABSOLUTE_HOURS"] == 12 and settings.SESSION_COOKIE_AGE == 12 * 3600
    signed_in_clerk(client)
    move_clocks(client, **{SIGNED_IN_AT: 12 * 3600 - 60})
    assert client.get("/office/").status_code == 200
    move_clocks(client, **{SIGNED_IN_AT: 12 * 3600 + 1})
    assert client.get("/office/").status_code == 302


def test_the_limits_are_settings(client, cast, settings) -> None:
    settings.YIMEN = {**settings.YIMEN, "SESSION_IDLE_MINUTES": 5}
    signed_in_clerk(client)
    move_clocks(client, **{SEEN_AT: 5 * 60 + 1})
    assert client.get("/office/").status_code == 302


def test_logout_deletes_the_session_row_and_the_old_cookie_opens_nothing(client, cast) -> None:
    key = signed_in_clerk(client)
    assert Session.objects.filter(session_key=key).exists()
    client.post("/office/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEntry.objects.filter(action="auth.logout", object_id=str(cast.clerk.pk)).exists()
    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get("/office/").status_code == 302


def test_the_session_id_changes_at_sign_in(client, cast) -> None:
    session = client.session
    session["visited"] = True
    session.save()
    before = client.cookies["sessionid"].value
    after = signed_in_clerk(client)
    assert after != before and not Session.objects.filter(session_key=before).exists()


def test_the_session_cookie_is_http_only_and_same_site(client, cast) -> None:
    response = client.post("/office/login/", {"username": "clerk", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 12 * 3600
