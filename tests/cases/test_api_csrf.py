"""Another site's page cannot file a case (and send an SMS to the number it chooses) or take a staff
step: writes take JSON only, and a write a browser sends from a foreign page is refused."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.test import Client, override_settings

from tests.cases.conftest import file
from tests.cases.test_api import APPLICATION
from tests.conftest import PASSWORD
from yimen.cases.models import Case
from yimen.core.notify_models import SmsMessage

pytestmark = pytest.mark.django_db


def _application(licence) -> bytes:
    return json.dumps({"item": licence.impl_code, **APPLICATION}).encode()


def test_a_text_plain_application_from_another_site_files_nothing_and_sends_no_sms(licence) -> None:
    """The defect: a foreign page's <form enctype="text/plain"> or fetch(mode: "no-cors") reached here."""
    foreign = Client(HTTP_ORIGIN="https://evil.example", enforce_csrf_checks=True)
    response = foreign.post("/api/v1/cases", _application(licence), content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["message"] == "请求体须为 JSON：请设置 Content-Type: application/json"
    assert not Case.objects.exists() and not SmsMessage.objects.exists()


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]
)
def test_only_json_is_taken_on_every_write(licence, content_type: str) -> None:
    response = Client().generic("POST", "/api/v1/cases", _application(licence), content_type=content_type)
    assert response.status_code == 415 and not Case.objects.exists()


def test_json_from_a_foreign_origin_or_referer_is_refused(licence) -> None:
    by_origin = Client(HTTP_ORIGIN="https://evil.example")
    by_referer = Client(HTTP_REFERER="https://evil.example/page.html")
    null_origin = Client(HTTP_ORIGIN="null")
    for client in (by_origin, by_referer, null_origin):
        response = client.post("/api/v1/cases", _application(licence), content_type="application/json")
        assert response.status_code == 403
        assert response.json()["message"].startswith("拒绝来自其他网站的请求")
    assert not Case.objects.exists()


def test_the_same_site_a_trusted_origin_and_programs_file_as_before(licence) -> None:
    same = Client(HTTP_ORIGIN="http://testserver", HTTP_REFERER="http://testserver/portal/apply/")
    program = Client()  # curl, a department's system: neither Origin nor Referer
    for client in (same, program):
        response = client.post("/api/v1/cases", _application(licence), content_type="application/json")
        assert response.status_code == 201
    with override_settings(CSRF_TRUSTED_ORIGINS=["https://*.xianning.gov.cn"]):
        trusted = Client(HTTP_ORIGIN="https://zwfw.xianning.gov.cn", REMOTE_ADDR="10.1.1.1")
        response = trusted.post(
            "/api/v1/cases", _application(licence), content_type="application/json; charset=utf-8"
        )
        assert response.status_code == 201
    assert Case.objects.count() == 3


def test_a_staff_step_with_the_session_but_without_the_csrf_token_is_refused(licence, cast) -> None:
    case = file(licence, cast)
    clerk = Client(enforce_csrf_checks=True)
    assert clerk.login(username="clerk", password=PASSWORD)
    url = f"/api/v1/cases/{case.number}/accept"
    body = {"expected_version": case.lock_version}
    refused = clerk.post(url, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["message"].startswith("CSRF 校验失败")
    case.refresh_from_db()
    assert case.state == "submitted"
    clerk.get("/office/")  # the office page sets the csrftoken cookie
    token = clerk.cookies["csrftoken"].value
    accepted = clerk.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200 and accepted.json()["state_label"] == "办理中"


def test_a_malformed_multipart_body_is_a_json_400_without_a_traceback(
    licence, cast, caplog: pytest.LogCaptureFixture
) -> None:
    """Django cannot parse a multipart body without a boundary; the office session's CSRF check used to
    read it and fail with a traceback."""
    case = file(licence, cast)
    clerk = Client(enforce_csrf_checks=True)
    assert clerk.login(username="clerk", password=PASSWORD)
    paths = [
        "/api/v1/cases",
        f"/api/v1/cases/{case.number}/accept",
        "/api/v1/disclosure-requests",
        "/api/v1/disclosure-requests/counter",
        "/api/v1/sms/status",
    ]
    with caplog.at_level(logging.DEBUG):
        for path in paths:
            for client in (Client(), clerk):
                for content_type in ("multipart/form-data", "multipart/form-data; boundary="):
                    response = client.generic("POST", path, b"a=1", content_type=content_type)
                    assert response.status_code == 400, (path, response.content)
                    assert response.json() == {"message": "请求体格式有误，无法解析", "fields": {}}
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def _every_write() -> list[str]:
    from yimen.api import api

    paths = api.get_openapi_schema()["paths"]
    return [re.sub(r"\{[^}]+\}", "1", path) for path, methods in paths.items() if "post" in methods]


def test_every_write_of_the_api_takes_json_only_and_refuses_foreign_pages(db: None) -> None:
    writes = _every_write()
    assert len(writes) > 25 and "/api/v1/disclosure-requests/1/start" in writes
    for path in writes:
        plain = Client().post(path, "{}", content_type="text/plain")
        assert plain.status_code == 415, path
        foreign = Client(HTTP_ORIGIN="https://evil.example")
        assert foreign.post(path, "{}", content_type="application/json").status_code == 403, path
