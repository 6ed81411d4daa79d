"""/api/v1/cases and /api/v1/stats/cases: online application, public status, staff transitions, statistics."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

import pytest
from django.test import Client

from tests.cases.conftest import file
from tests.cases.test_stats import october_cases
from tests.cases.test_supervision import police_case
from tests.conftest import make_staff, sign_in
from yimen.cases.models import Case, CaseState, Channel
from yimen.cases.queries import public
from yimen.org.models import Role, Staff

pytestmark = pytest.mark.django_db

APPLICATION = {
    "kind": "person",
    "name": "张三",
    "phone": "13812345678",
    "id_number": "11010519491231002X",
    "address": "咸宁市咸安区温泉路 1 号",
}


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def signed_in(client: Client, username: str) -> Client:
    """Password and, for 监察, the TOTP code (tests/conftest.py: sign_in)."""
    return sign_in(client, Staff.objects.get(username=username))


# --- 网上申报 ----------------------------------------------------------------------------------------


def test_an_online_application_gets_a_number_and_a_six_digit_query_code(client: Client, licence) -> None:
    response = post(client, "/api/v1/cases", {"item": licence.impl_code, **APPLICATION})
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"\d{6}", body["query_code"]) and body["state"] == "已申报，待受理"
    case = Case.objects.get(number=body["number"])
    assert case.channel == Channel.ONLINE and case.window is None and case.query_code == body["query_code"]


def test_a_bad_id_number_is_refused_naming_the_field(client: Client, licence) -> None:
    bad = {**APPLICATION, "id_number": "340524198001010013"}
    response = post(client, "/api/v1/cases", {"item": licence.impl_code, **bad})
    assert response.status_code == 422
    assert response.json()["fields"] == {"id_number": ["公民身份号码第18位校验码错误：应为 X"]}
    assert not Case.objects.exists()


def test_a_missing_field_and_an_unknown_item_are_named_in_chinese(client: Client, licence) -> None:
    missing = {k: v for k, v in APPLICATION.items() if k != "phone"}
    response = post(client, "/api/v1/cases", {"item": licence.impl_code, **missing})
    assert response.status_code == 422 and response.json()["fields"] == {"phone": ["手机号码为必填项"]}
    unknown = post(client, "/api/v1/cases", {"item": "NO-SUCH-ITEM", **APPLICATION})
    assert unknown.status_code == 422
    assert unknown.json()["fields"] == {"item": ["事项：没有实施编码为 NO-SUCH-ITEM 的事项"]}


# --- Public status ----------------------------------------------------------------------------------


def test_the_public_status_is_masked_and_a_wrong_code_looks_like_an_unknown_number(
    client: Client, licence, cast
) -> None:
    case = file(licence, cast)
    response = client.get(f"/api/v1/cases/{case.number}", {"code": case.query_code})
    assert response.status_code == 200
    body = response.json()
    assert body["applicant"] == "张*" and body["state"] == "已申报，待受理"
    assert [step["label"] for step in body["timeline"]] == ["申报"]
    text = response.content.decode()
    assert "张三" not in text and "11010519491231002X" not in text and "13812345678" not in text
    wrong_code = "000000" if case.query_code != "000000" else "111111"
    wrong = client.get(f"/api/v1/cases/{case.number}", {"code": wrong_code})
    unknown = client.get("/api/v1/cases/NO-SUCH-CASE", {"code": case.query_code})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json() == {"message": "办件编号或查询码不正确", "fields": {}}
    assert public.lookup(number=case.number + "\x00", code=case.query_code) is None  # not a database error


def test_the_portal_and_the_api_answer_the_status_with_one_shape(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    api = client.get(f"/api/v1/cases/{case.number}", {"code": case.query_code}).json()
    portal = public.lookup(number=case.number, code=case.query_code)
    assert portal is not None and api == asdict(portal)
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    timeline = schemas["PublicCase"]["properties"]["timeline"]["items"]["$ref"]
    assert schemas["PublicCase"]["properties"]["applicant"]["description"] == "申请人（已脱敏）"
    assert schemas[timeline.rsplit("/", 1)[1]]["properties"].keys() == {"at", "label", "note", "materials"}


def test_repeated_wrong_codes_are_refused_even_with_the_right_one(client: Client, licence, cast) -> None:
    """Ten failures from one address spend it (429, the right code too); the number itself asked for the
    phone's last four digits after five (403), and its owner, elsewhere, still gets in with them."""
    case = file(licence, cast)
    wrong_code = "000000" if case.query_code != "000000" else "111111"
    statuses = [
        client.get(f"/api/v1/cases/{case.number}", {"code": wrong_code, "tail": "5678"}).status_code
        if n >= 5
        else client.get(f"/api/v1/cases/{case.number}", {"code": wrong_code}).status_code
        for n in range(10)
    ]
    assert statuses == [404] * 10
    asked = client.get(f"/api/v1/cases/{case.number}", {"code": case.query_code}, REMOTE_ADDR="192.0.2.9")
    assert asked.status_code == 403 and "手机号码后四位" in asked.json()["message"]
    right = {"code": case.query_code, "tail": "5678"}
    response = client.get(f"/api/v1/cases/{case.number}", right)
    assert response.status_code == 429 and response.json()["message"] == "尝试次数过多，请15分钟后再试"
    assert client.get(f"/api/v1/cases/{case.number}", right, REMOTE_ADDR="192.0.2.9").status_code == 200


# --- Staff transitions ------------------------------------------------------------------------------


def test_staff_take_a_case_to_delivery_through_the_api(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    clerk = signed_in(Client(), "clerk")
    accepted = post(clerk, f"/api/v1/cases/{case.number}/accept", {"expected_version": case.lock_version})
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["state"] == "handling" and body["state_label"] == "办理中" and body["step"] == "受理"
    reviewer = signed_in(client, "reviewer")
    advanced = post(
        reviewer, f"/api/v1/cases/{case.number}/advance", {"expected_version": body["lock_version"]}
    )
    assert advanced.json()["step"] == "审查"
    concluded = post(
        reviewer,
        f"/api/v1/cases/{case.number}/conclude",
        {"expected_version": advanced.json()["lock_version"], "result": "issued", "certificate_no": "JY1"},
    )
    assert concluded.json()["state_label"] == "已办结"
    no_tracking = post(
        clerk,
        f"/api/v1/cases/{case.number}/deliver",
        {"expected_version": concluded.json()["lock_version"], "method": "courier"},
    )
    assert no_tracking.status_code == 422 and no_tracking.json()["fields"] == {
        "tracking_no": ["快递单号：邮寄送达必填"]
    }
    delivered = post(
        clerk,
        f"/api/v1/cases/{case.number}/deliver",
        {"expected_version": concluded.json()["lock_version"], "method": "pickup"},
    )
    assert delivered.status_code == 200 and Case.objects.get(pk=case.pk).state == CaseState.DELIVERED


def test_a_stale_expected_version_gets_409_and_changes_nothing(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    clerk = signed_in(client, "clerk")
    post(clerk, f"/api/v1/cases/{case.number}/accept", {"expected_version": 0})
    stale = post(clerk, f"/api/v1/cases/{case.number}/refuse", {"expected_version": 0, "reason": "材料不全"})
    assert stale.status_code == 409 and stale.json()["message"] == "办件已被他人更新，请刷新后重试"
    illegal = post(clerk, f"/api/v1/cases/{case.number}/accept", {"expected_version": 1})
    assert illegal.status_code == 409 and "不能受理" in illegal.json()["message"]
    assert Case.objects.get(pk=case.pk).state == CaseState.HANDLING


def test_another_department_finds_no_such_case_a_reviewer_may_not_accept_and_a_stranger_gets_401(
    client: Client, licence, cast
) -> None:
    case = file(licence, cast)
    assert post(client, f"/api/v1/cases/{case.number}/accept", {"expected_version": 0}).status_code == 401
    other = signed_in(client, "other")
    hidden = post(other, f"/api/v1/cases/{case.number}/accept", {"expected_version": 0})
    assert hidden.status_code == 404 and hidden.json()["message"] == "没有该办件编号的办件"
    withdrawn = post(
        other, f"/api/v1/cases/{case.number}/withdraw", {"expected_version": 0, "reason": "不办了"}
    )
    assert withdrawn.status_code == 404
    reviewer = signed_in(Client(), "reviewer")  # sees the case, but 受理 is the window's
    refused = post(reviewer, f"/api/v1/cases/{case.number}/accept", {"expected_version": 0})
    assert refused.status_code == 403 and refused.json()["message"] == "您无权办理该办件"
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED


def test_supplement_and_withdrawal_through_the_api(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    clerk = signed_in(client, "clerk")
    empty = post(clerk, f"/api/v1/cases/{case.number}/supplement", {"expected_version": 0, "materials": []})
    assert empty.status_code == 422 and "至少列出一项" in empty.json()["fields"]["materials"][0]
    asked = post(
        clerk, f"/api/v1/cases/{case.number}/supplement", {"expected_version": 0, "materials": ["营业执照"]}
    )
    assert asked.json()["state_label"] == "待补齐补正"
    gone = post(
        clerk, f"/api/v1/cases/{case.number}/withdraw", {"expected_version": 1, "reason": "申请人主动撤回"}
    )
    assert gone.json()["state_label"] == "已撤件"


# --- Statistics -------------------------------------------------------------------------------------


@pytest.fixture
def october(licence, instant, cast) -> None:
    october_cases(licence, instant, cast)


OCTOBER_QUERY = {"start": "2024-10-01", "end": "2024-10-31"}


def test_statistics_rows_for_the_signed_in_reviewer(client: Client, october, cast) -> None:
    body = signed_in(client, "reviewer").get("/api/v1/stats/cases", OCTOBER_QUERY).json()
    assert [r["label"] for r in body["rows"]] == ["咸宁市市场监督管理局"]
    total = body["total"]
    assert (total["concluded"], total["immediate_rate"], total["on_time_rate"], total["overdue"]) == (
        10,
        60.0,
        90.0,
        1,
    )
    assert body["definitions"][2]["term"] == "即办件率"
    by_month = client.get("/api/v1/stats/cases", {**OCTOBER_QUERY, "by": "month"}).json()
    assert [r["label"] for r in by_month["rows"]] == ["2024年10月"]


def test_statistics_of_another_organisation_are_not_shown(client: Client, october, people, cast) -> None:
    police_case(people, cast)
    make_staff("police_rev", "周公安", cast.police, (Role.REVIEWER, cast.police))
    police = signed_in(client, "police_rev")
    body = police.get("/api/v1/stats/cases", {"start": "2024-09-01", "end": "2024-10-31"}).json()
    assert [r["label"] for r in body["rows"]] == ["咸宁市公安局"]
    assert police.get("/api/v1/stats/cases", {**OCTOBER_QUERY, "organisation": "SJJ"}).status_code == 403


def test_statistics_refuse_strangers_clerks_and_a_reversed_range(client: Client, cast) -> None:
    assert client.get("/api/v1/stats/cases", OCTOBER_QUERY).status_code == 401
    assert signed_in(Client(), "clerk").get("/api/v1/stats/cases", OCTOBER_QUERY).status_code == 403
    reversed_range = signed_in(client, "supervisor").get(
        "/api/v1/stats/cases", {"start": "2024-10-31", "end": "2024-10-01"}
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["fields"] == {"end": ["结束日期：不能早于开始日期"]}
    unknown = client.get("/api/v1/stats/cases", {**OCTOBER_QUERY, "organisation": "NOPE"})
    assert unknown.json()["fields"] == {"organisation": ["单位：没有代码为 NOPE 的单位"]}
