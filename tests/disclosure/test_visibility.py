"""One rule for who sees a disclosure request: 钱公安, an officer of the police, finds a request made to the
centre nowhere — not on the office's pages, in its letter or through any API read or step — and each
answer is the one an unknown number gets, before the request's state or version is looked at. An officer
who sees the request but may not extend it gets 403 whatever its state."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, make_staff
from tests.disclosure.conftest import appealed, consulted, filed, replied, started
from yimen.api import api
from yimen.disclosure.models import DisclosureRequest, RequestState
from yimen.office.disclosure_views import STEPS
from yimen.org.models import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/disclosure-requests"
UNKNOWN = "ZWFW-YSQ-2099-99999"
NOT_FOUND = {"message": "没有该申请编号的申请", "fields": {}}
# A valid body for every staff step of /api/v1/disclosure-requests/{number}/…
STEP_BODIES: dict[str, dict[str, Any]] = {
    "start": {},
    "clarification": {"items": "请写明所需文件的年份", "deadline_on": "2024-10-31", "on": "2024-10-08"},
    "clarification/received": {"content": "2024年", "on": "2024-10-09"},
    "clarification/expired": {"on": "2024-11-01"},
    "consultations": {
        "party_kind": "third_party",
        "party_name": "咸宁市青山食品有限公司",
        "sent_on": "2024-10-08",
    },
    "consultations/{consultation_id}/end": {"replied_on": "2024-10-09", "opinion": "同意"},
    "extension": {"workdays": 20, "reason": "需调取档案", "on": "2024-10-08"},
    "custom-deadline": {"due_on": "2024-12-31", "reason": "申请数量明显超过合理范围"},
    "fee-notice": {"method": "per_request", "quantity": 1, "on": "2024-10-08"},
    "fee-notice/paid": {"on": "2024-10-09"},
    "fee-notice/expired": {"on": "2024-11-01"},
    "reply": {"outcome": "r1", "how_to_obtain": "电子邮件发送", "on": "2024-10-08"},
    "deliver": {"on": "2024-10-09"},
    "close": {"on": "2024-10-10"},
    "appeals": {"kind": "reconsideration", "filed_on": "2024-10-20", "body": "咸宁市人民政府"},
    "appeals/{appeal_id}/decision": {"result": "maintained", "decided_on": "2024-11-20"},
}


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def api_paths(method: str) -> list[str]:
    """Every staff path under …/{number}/ that the API offers for `method`, from its OpenAPI document."""
    paths = api.get_openapi_schema()["paths"]
    prefix = f"{URL}/{{number}}/"
    found = [p.removeprefix(prefix) for p, ops in paths.items() if p.startswith(prefix) and method in ops]
    return sorted(found)


@pytest.fixture
def police_officer(cast) -> Client:
    make_staff("police_officer", "钱公安", cast.police, (Role.OFFICER, cast.police))
    return signed_in("police_officer")


@pytest.fixture
def hidden(cast) -> dict[str, Any]:
    """Two requests to the centre: one being consulted on, one replied to and appealed."""
    consulting = started(cast, date(2024, 9, 27))
    consultation = consulted(cast, consulting, date(2024, 9, 30))
    answered = replied(
        cast, started(cast, date(2024, 9, 27)), "r1", date(2024, 10, 8), how_to_obtain="电子邮件发送"
    )
    appeal = appealed(cast, answered, "reconsideration", date(2024, 10, 9))
    consulting.refresh_from_db()
    return {"request": consulting, "consultation_id": consultation.pk, "appeal_id": appeal.pk}


def test_every_api_step_is_covered_here() -> None:
    assert api_paths("post") == sorted(STEP_BODIES)
    assert api_paths("get") == ["letter.{fmt}", "staff", "staff/letter.{fmt}"]  # the first is the public's


def test_every_api_read_and_step_on_another_organisations_request_answers_as_an_unknown_number(
    police_officer: Client, hidden: dict[str, Any]
) -> None:
    request: DisclosureRequest = hidden["request"]
    for path, body in STEP_BODIES.items():
        path = path.format(**hidden)
        for version in (request.lock_version, request.lock_version + 7):
            sent = {"expected_version": version, **body}
            answers = [
                police_officer.post(f"{URL}/{number}/{path}", sent, content_type="application/json")
                for number in (request.number, UNKNOWN)
            ]
            assert [a.status_code for a in answers] == [404, 404], path
            assert answers[0].json() == answers[1].json() == NOT_FOUND, path
    for path in ("staff", "staff/letter.pdf", "staff/letter.docx"):
        answers = [police_officer.get(f"{URL}/{number}/{path}") for number in (request.number, UNKNOWN)]
        assert [a.status_code for a in answers] == [404, 404], path
        assert answers[0].json() == answers[1].json() == NOT_FOUND, path
    assert police_officer.get(URL, {"q": request.number}).json() == []
    after = DisclosureRequest.objects.get(pk=request.pk)
    assert (after.state, after.lock_version) == (RequestState.CONSULTING, request.lock_version)


def test_the_office_pages_and_letter_of_another_organisations_request_answer_404(
    police_officer: Client, hidden: dict[str, Any]
) -> None:
    request: DisclosureRequest = hidden["request"]
    missing = DisclosureRequest.objects.order_by("-pk").first().pk + 100
    for pk in (request.pk, missing):
        assert police_officer.get(reverse("office_disclosure:detail", args=[pk])).status_code == 404
        for fmt in ("pdf", "docx"):
            assert police_officer.get(reverse("office_disclosure:letter", args=[pk, fmt])).status_code == 404
        for action in STEPS:
            url = reverse("office_disclosure:action", args=[pk, action])
            answer = police_officer.post(url, {"expected_version": str(request.lock_version)})
            assert answer.status_code == 404, action
    desk = police_officer.get(reverse("office_disclosure:desk"), {"queue": "all"}).content.decode()
    assert request.number not in desk


def test_an_officer_may_not_extend_whatever_the_state_and_hears_so_first(client: Client, cast) -> None:
    """Only the head of the office extends (条例第三十三条); in 已登记 an extension is not allowed either, but
    the role is what the officer is told — 403 through the API and the office alike."""
    request = filed(cast, date(2024, 9, 27))
    officer = signed_in("officer")
    body = {"workdays": 20, "reason": "需调取档案", "expected_version": request.lock_version}
    refused = officer.post(f"{URL}/{request.number}/extension", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["message"] == "延期答复须经政府信息公开工作机构负责人同意（条例第三十三条）"
    page = officer.post(
        reverse("office_disclosure:action", args=[request.pk, "extend"]),
        {
            "expected_version": str(request.lock_version),
            "extend-workdays": "20",
            "extend-reason": "需调取档案",
        },
    )
    assert page.status_code == 403 and "须经政府信息公开工作机构负责人同意" in page.content.decode()
    head = signed_in("head")  # the head sees the state's refusal
    wrong_state = head.post(f"{URL}/{request.number}/extension", body, content_type="application/json")
    assert wrong_state.status_code == 409
    assert DisclosureRequest.objects.get(pk=request.pk).state == RequestState.REGISTERED
