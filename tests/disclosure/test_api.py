"""/api/v1/disclosure-requests: filing online, tracking by number + 查询码, and the staff's steps — each
answering with the request and its clock explained, refusing in Chinese with the field named."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from tests.conftest import PASSWORD, make_staff
from tests.disclosure.conftest import filed, person, started
from yimen.core import calendar
from yimen.core.throttle import LOOKUPS, SECOND_FACTOR, SUBMISSIONS
from yimen.disclosure.models import DisclosureRequest, RequestState
from yimen.disclosure.services import appeals, clock
from yimen.org.models import Role

pytestmark = pytest.mark.django_db
MAX_FAILURES = LOOKUPS.limit()

URL = "/api/v1/disclosure-requests"
REQUEST = {
    "organisation": "ZWFW",
    "applicant_type": "natural",
    "name": "张三",
    "phone": "13812345678",
    "id_number": "11010519491231002X",
    "address": "咸宁市咸安区温泉路 1 号",
    "description": "2024年咸宁市政务服务中心进驻事项目录及调整文件",
    "form_wanted": "electronic",
    "delivery_method": "post",
}


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def signed_in(client: Client, username: str = "officer") -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


# --- the public -----------------------------------------------------------------------------------------


def test_a_request_filed_online_gets_its_number_code_and_deadline(client: Client, cast) -> None:
    response = post(client, URL, REQUEST)

    assert response.status_code == 201
    body = response.json()
    today = timezone.localdate()
    received = today if calendar.is_workday(today) else calendar.add_workdays(today, 1).date
    assert re.fullmatch(r"\d{6}", body["query_code"])
    assert body["received_on"] == received.isoformat()
    assert body["due_on"] == calendar.add_workdays(received, 20).date.isoformat()
    assert DisclosureRequest.objects.get(number=body["number"]).channel == "online"


def test_bad_input_is_refused_in_chinese_naming_each_field(client: Client, cast) -> None:
    wrong = post(client, URL, REQUEST | {"id_number": "110105194912310021", "phone": "12"})
    assert wrong.status_code == 422
    fields = wrong.json()["fields"]
    assert fields["id_number"][0].startswith("公民身份号码") and fields["phone"][0].startswith("联系电话")

    unknown = post(client, URL, REQUEST | {"applicant_type": "alien", "organisation": "NOPE"})
    assert unknown.status_code == 422 and unknown.json()["fields"]["applicant_type"][0].startswith(
        "申请人类型"
    )
    missing = post(client, URL, {k: v for k, v in REQUEST.items() if k != "description"})
    assert missing.json()["fields"] == {"description": ["所需政府信息的描述为必填项"]}
    assert not DisclosureRequest.objects.exists()


def test_tracking_shows_the_clock_and_a_wrong_code_gets_404_then_429(client: Client, cast) -> None:
    request = filed(cast, date(2024, 9, 27))

    found = client.get(f"{URL}/{request.number}", {"code": request.query_code})

    assert found.status_code == 200
    body = found.json()
    assert (body["applicant"], body["received_on"], body["due_on"], body["rules"]) == (
        "张*",
        "2024-09-27",
        "2024-10-30",
        "2019",
    )
    assert body["clock"][0]["due_after"] == "2024-10-30" and "第三十一条" in body["clock"][0]["rule"]
    assert body["overdue"] is True and body["letter"] is False
    assert "13812345678" not in found.content.decode()
    for _ in range(SECOND_FACTOR.limit()):
        assert client.get(f"{URL}/{request.number}", {"code": "000000"}).status_code == 404
    # The number now asks for its phone's last four digits, for the right code too; asking spends nothing.
    asked = client.get(f"{URL}/{request.number}", {"code": request.query_code})
    assert asked.status_code == 403 and asked.json()["message"] == SECOND_FACTOR.message
    for _ in range(MAX_FAILURES - SECOND_FACTOR.limit()):
        assert client.get(f"{URL}/{request.number}", {"code": "000000", "tail": "5678"}).status_code == 404
    right = {"code": request.query_code, "tail": "5678"}
    assert client.get(f"{URL}/{request.number}", right).status_code == 429  # this address is spent
    assert client.get(f"{URL}/{request.number}", right, REMOTE_ADDR="192.0.2.9").status_code == 200


@override_settings(YIMEN={**settings.YIMEN, "APPLY_SUBMISSIONS_PER_HOUR": 2})
def test_one_address_files_at_most_the_hourly_limit_online_then_gets_429(client: Client, cast) -> None:
    """A refused request spends nothing; the third filed request of the hour is refused with 429 and
    SUBMISSIONS' message, and files nothing."""
    assert post(client, URL, REQUEST | {"phone": "12"}).status_code == 422
    for topic in ("甲", "乙"):
        assert post(client, URL, REQUEST | {"description": topic}).status_code == 201

    refused = post(client, URL, REQUEST | {"description": "丙"})

    assert refused.status_code == 429 and refused.json()["message"] == SUBMISSIONS.message
    assert DisclosureRequest.objects.count() == 2
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    assert post(elsewhere, URL, REQUEST | {"description": "丁"}).status_code == 201


@override_settings(YIMEN={**settings.YIMEN, "APPLY_SUBMISSIONS_PER_HOUR": 2})
def test_the_api_and_the_portal_form_share_one_budget(client: Client, cast) -> None:
    form = person(organisation=cast.centre.pk, description="门户提交的申请")
    assert client.post("/disclosure/", form).status_code == 302
    assert post(client, URL, REQUEST).status_code == 201

    assert post(client, URL, REQUEST | {"description": "第三件"}).status_code == 429
    assert client.post("/disclosure/", form | {"description": "第四件"}).status_code == 429
    assert DisclosureRequest.objects.count() == 2


# --- staff -----------------------------------------------------------------------------------------------


def test_staff_take_a_posted_request_from_registration_to_a_delivered_letter(client: Client, cast) -> None:
    """Posted 2024-09-23, signed for 2024-09-25: due 2024-10-28. 补正 asked 09-27, supplied 10-09: the 20
    days start again, due 2024-11-05. An agency consulted from 10-10 answers 10-16: the 5 working days
    after 10-10 through 10-16 (the 调休 Saturday 10-12 among them) are not counted: due 2024-11-12."""
    signed_in(client)
    counter = post(
        client,
        f"{URL}/counter",
        REQUEST | {"channel": "registered_mail", "submitted_on": "2024-09-23", "signed_on": "2024-09-25"},
    )
    assert counter.status_code == 201 and counter.json()["due_on"] == "2024-10-28"
    number = counter.json()["number"]

    asked = post(
        client,
        f"{URL}/{number}/clarification",
        {"items": "请写明年份", "deadline_on": "2024-10-18", "on": "2024-09-27"},
    )
    assert asked.json()["state"] == RequestState.CLARIFYING
    supplied = post(
        client, f"{URL}/{number}/clarification/received", {"content": "2024年", "on": "2024-10-09"}
    )
    assert (supplied.json()["clock_start_on"], supplied.json()["due_on"]) == ("2024-10-09", "2024-11-05")
    consulting = post(
        client,
        f"{URL}/{number}/consultations",
        {"party_kind": "agency", "party_name": "咸宁市自然资源和规划局", "sent_on": "2024-10-10"},
    )
    consultation = consulting.json()["consultations"][0]["id"]
    back = post(
        client,
        f"{URL}/{number}/consultations/{consultation}/end",
        {"replied_on": "2024-10-16", "opinion": "同意公开"},
    )
    assert (back.json()["paused_workdays"], back.json()["due_on"]) == (5, "2024-11-12")
    replied = post(
        client,
        f"{URL}/{number}/reply",
        {"outcome": "r1", "how_to_obtain": "邮寄纸质文本", "on": "2024-11-01"},
    )
    assert (replied.json()["outcome_label"], replied.json()["letter"]) == ("予以公开", True)
    post(client, f"{URL}/{number}/deliver", {"on": "2024-11-04"})
    closed = post(client, f"{URL}/{number}/close", {"on": "2024-11-04"})
    assert closed.json()["state"] == RequestState.CLOSED
    assert [step["label"][:4] for step in closed.json()["clock"]][:3] == ["收到申请", "告知补正", "收到补正"]

    letter = client.get(f"{URL}/{number}/staff/letter.pdf")
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    public = Client().get(f"{URL}/{number}/letter.docx", {"code": closed.json()["query_code"]})
    assert public.status_code == 200 and public["Content-Disposition"].startswith("attachment")


def test_a_per_page_fee_of_250_pages_is_4700_yuan_and_pauses_the_clock_until_paid(
    client: Client, cast
) -> None:
    """国办函〔2020〕109号: 70 × 10 + 100 × 20 + 50 × 40 = 4,700 元."""
    request = started(cast, date(2024, 9, 27))
    signed_in(client)
    noticed = post(
        client,
        f"{URL}/{request.number}/fee-notice",
        {"method": "per_page", "quantity": 250, "on": "2024-10-08"},
    )
    assert (
        noticed.json()["fee"]["amount"] == "4700.00" and noticed.json()["state"] == RequestState.AWAITING_FEE
    )
    paid = post(client, f"{URL}/{request.number}/fee-notice/paid", {"on": "2024-10-10"})
    assert paid.json()["state"] == RequestState.IN_PROGRESS
    assert (
        Decimal(paid.json()["fee"]["amount"]) == Decimal(4700)
        and paid.json()["fee"]["paid_on"] == "2024-10-10"
    )


def test_only_the_head_extends_and_a_stale_version_gets_409(client: Client, cast) -> None:
    request = started(cast, date(2024, 9, 27))
    body = {"workdays": 20, "reason": "需调取档案", "on": "2024-10-25"}
    assert post(signed_in(client), f"{URL}/{request.number}/extension", body).status_code == 403

    head = signed_in(Client(), "head")
    version = head.get(f"{URL}/{request.number}/staff").json()["lock_version"]
    extended = post(head, f"{URL}/{request.number}/extension", body | {"expected_version": version})
    assert extended.status_code == 200 and extended.json()["due_on"] == "2024-11-27"

    stale = post(
        client,
        f"{URL}/{request.number}/reply",
        {"outcome": "r4_1", "reasons": "没有", "expected_version": version},
    )
    assert stale.status_code == 409 and stale.json()["message"]


def test_staff_of_another_department_find_no_such_request_and_strangers_must_sign_in(
    client: Client, cast
) -> None:
    request = filed(cast, date(2024, 9, 27))
    assert post(client, f"{URL}/{request.number}/start").status_code == 401
    make_staff("police_officer", "钱公安", cast.police, (Role.OFFICER, cast.police))
    assert post(signed_in(client, "police_officer"), f"{URL}/{request.number}/start").status_code == 404


def test_a_consultation_or_appeal_is_found_only_under_its_own_request(client: Client, cast) -> None:
    """Consulted 2024-09-30, answered 10-08: 国庆 1–7 October are not working days, so one day pauses."""
    asked = started(cast, date(2024, 9, 27))
    other = started(cast, date(2024, 9, 27))
    consultation = clock.start_consultation(
        request=asked,
        by=cast.officer,
        party_kind="agency",
        party_name="咸宁市自然资源和规划局",
        sent_on=date(2024, 9, 30),
    )
    appeal = appeals.file_appeal(
        request=asked,
        by=cast.officer,
        kind="reconsideration",
        filed_on=date(2024, 10, 8),
        body="咸宁市人民政府",
    )
    signed_in(client)
    end = {"replied_on": "2024-10-08", "opinion": "同意公开"}
    wrong = post(client, f"{URL}/{other.number}/consultations/{consultation.pk}/end", end)
    assert wrong.status_code == 404 and "没有这次征求意见" in wrong.json()["message"]
    decision = {"result": "maintained", "decided_on": "2024-10-09"}
    wrong = post(client, f"{URL}/{other.number}/appeals/{appeal.pk}/decision", decision)
    assert wrong.status_code == 404 and "没有这项复议或诉讼" in wrong.json()["message"]
    right = post(client, f"{URL}/{asked.number}/consultations/{consultation.pk}/end", end)
    assert right.status_code == 200 and right.json()["paused_workdays"] == 1


def test_the_queues_list_overdue_and_open_requests(client: Client, cast) -> None:
    late = filed(cast, date(2024, 9, 27))
    fresh = filed(cast, timezone.localdate())
    signed_in(client)
    overdue = [r["number"] for r in client.get(URL, {"queue": "overdue"}).json()]
    everything = [r["number"] for r in client.get(URL).json()]
    assert overdue == [late.number] and everything == [late.number, fresh.number]
    assert client.get(URL, {"q": "进驻事项"}).status_code == 200


def test_the_openapi_document_lists_every_step(client: Client, cast) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("", "/{number}", "/counter", "/{number}/clarification", "/{number}/extension", "/{number}/reply",
                 "/{number}/appeals/{appeal_id}/decision"):  # fmt: skip
        assert f"{URL}{path}" in paths
