"""Open311 GeoReport v2 (read only, public): services are the published items, requests the cases' public
status; the answers validate against JSON Schemas written from the specification's field lists, and no
applicant's name, phone, ID number or address is ever in them."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from jsonschema import Draft202012Validator

from tests.cases.conftest import APPLICANT, COMPANY, file
from yimen.cases.models import Case, Result
from yimen.cases.services import steps
from yimen.core.identity import mask_name
from yimen.core.throttle import Budget
from yimen.exchange import open311

pytestmark = pytest.mark.django_db
SCHEMAS = Path(__file__).parent / "schemas"
BASE = "/open311/v2"


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"georeport-{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def valid(name: str, data: Any) -> Any:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(data)]
    assert not errors, errors
    return data


def get(path: str, **params: Any) -> Any:
    return Client().get(path, params)


def ok(path: str, schema: str, **params: Any) -> Any:
    answer = get(path, **params)
    assert answer.status_code == 200, answer.content.decode()
    assert answer["Content-Type"] == "application/json"
    return valid(schema, answer.json())


def refused(path: str, code: int, params: dict[str, Any] | None = None) -> str:
    answer = get(path, **(params or {}))
    assert answer.status_code == code, answer.content.decode()
    [error] = valid("errors", answer.json())
    assert error["code"] == code
    return error["description"]


@pytest.fixture
def board(cast, licence) -> dict[str, Case]:
    """One case in each state that matters to the public."""
    handling = steps.accept(case=file(licence, cast, APPLICANT), by=cast.clerk)
    issued = steps.conclude(
        case=steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk),
        by=cast.reviewer,
        result=Result.DENIED,
        reason="不符合食品安全标准",
    )
    refusal = steps.refuse(case=file(licence, cast, APPLICANT), by=cast.clerk, reason="材料不齐且无法补正")
    submitted = file(licence, cast, APPLICANT)
    withdrawn = steps.withdraw(case=file(licence, cast, APPLICANT), reason="不再需要")
    return {
        "handling": handling,
        "concluded": issued,
        "refused": refusal,
        "submitted": submitted,
        "withdrawn": withdrawn,
    }


def assert_nothing_personal(text: str) -> None:
    for applicant in (APPLICANT, COMPANY):
        for value in (
            applicant.name,
            applicant.phone,
            applicant.id_number,
            applicant.uscc,
            applicant.address,
        ):
            if value:
                assert value not in text, value
        assert mask_name(applicant.name) not in text
    assert "李四" not in text and "李窗口" not in text and "王审批" not in text
    assert "不符合食品安全标准" not in text and "材料不齐" not in text  # reasons stay with the applicant


def test_services_are_the_published_items(cast, licence):
    services = ok(f"{BASE}/services.json", "services")
    [service] = services
    assert service["service_code"] == licence.impl_code
    assert service["service_name"] == "食品经营许可证核发"
    assert service["group"] == cast.market.name
    assert service["metadata"] is False and service["type"] == "realtime"
    assert service["description"] == "行政许可；承诺办结时限：20个工作日"
    assert "行政许可" in service["keywords"].split(",")


def test_requests_show_each_public_case_and_nothing_of_its_applicant(cast, licence, board):
    answer = get(f"{BASE}/requests.json")
    requests = valid("requests", answer.json())

    by_number = {r["service_request_id"]: r for r in requests}
    assert set(by_number) == {board[k].number for k in ("handling", "concluded", "refused")}
    handling = by_number[board["handling"].number]
    assert handling["status"] == "open" and handling["status_notes"] == "办理中"
    assert handling["service_code"] == licence.impl_code and handling["service_name"] == "食品经营许可证核发"
    assert handling["agency_responsible"] == cast.market.name
    assert handling["expected_datetime"] == timezone.localtime(board["handling"].promised_due).isoformat(
        timespec="seconds"
    )
    assert handling["requested_datetime"].endswith("+08:00")
    concluded = by_number[board["concluded"].number]
    assert concluded["status"] == "closed" and concluded["status_notes"] == "已办结（不予许可）"
    assert concluded["updated_datetime"] >= concluded["requested_datetime"]
    assert by_number[board["refused"].number]["status_notes"] == "不予受理"
    assert by_number[board["refused"].number]["expected_datetime"] is None
    assert all(r["address"] is None and r["lat"] is None and r["long"] is None for r in requests)
    assert_nothing_personal(answer.content.decode())


def test_one_request_by_its_number(cast, board):
    [request] = ok(f"{BASE}/requests/{board['concluded'].number}.json", "requests")
    assert request["service_request_id"] == board["concluded"].number and request["status"] == "closed"
    for hidden in ("submitted", "withdrawn"):
        assert "未受理、已撤件" in refused(f"{BASE}/requests/{board[hidden].number}.json", 404)
    assert refused(f"{BASE}/requests/NO-SUCH.json", 404) == refused(
        f"{BASE}/requests/{board['submitted'].number}.json", 404
    )
    assert_nothing_personal(get(f"{BASE}/requests/{board['handling'].number}.json").content.decode())


def test_requests_filter_by_status_service_ids_and_time(cast, licence, board):
    def numbers(**params: Any) -> set[str]:
        return {r["service_request_id"] for r in ok(f"{BASE}/requests.json", "requests", **params)}

    assert numbers(status="open") == {board["handling"].number}
    assert numbers(status="closed") == {board["concluded"].number, board["refused"].number}
    assert numbers(status="open,closed") == numbers() == numbers(status=["open", "closed"])
    assert numbers(service_code="OTHER-CODE") == set()
    assert len(numbers(service_code=licence.impl_code)) == 3
    ids = f"{board['handling'].number},{board['submitted'].number}"
    assert numbers(service_request_id=ids) == {board["handling"].number}
    today = timezone.localdate()
    assert len(numbers(start_date=str(today - timedelta(days=1)), end_date=str(today))) == 3
    assert (
        numbers(start_date=str(today - timedelta(days=80)), end_date=str(today - timedelta(days=1))) == set()
    )
    moment = timezone.localtime() - timedelta(hours=1)
    assert len(numbers(start_date=moment.isoformat(timespec="seconds"))) == 3  # the offset sent escaped
    assert len(numbers(start_date=moment.isoformat(timespec="seconds").replace("+", " "))) == 3  # … and not


def test_requests_come_newest_first_in_pages(cast, board):
    everything = [r["service_request_id"] for r in ok(f"{BASE}/requests.json", "requests")]
    assert len(everything) == 3
    pages = [ok(f"{BASE}/requests.json", "requests", page=page, page_size=2) for page in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 1, 0]
    assert [r["service_request_id"] for r in pages[0] + pages[1]] == everything
    submitted = [r["requested_datetime"] for r in ok(f"{BASE}/requests.json", "requests")]
    assert submitted == sorted(submitted, reverse=True)


def test_a_client_walks_back_by_moving_end_date_to_the_oldest_it_received(cast, board):
    """Pages reach the newest 20,000; beyond, end_date moves back. An end in whole seconds takes in its
    whole second, so a request filed at 10:00:00.7 is found again with end_date 10:00:00."""
    now = timezone.now().replace(microsecond=0)
    for hours, key in ((3, "handling"), (2, "concluded"), (1, "refused")):
        moment = now - timedelta(hours=hours, microseconds=-700_000)
        Case.objects.filter(pk=board[key].pk).update(submitted_at=moment)
    [newest] = ok(f"{BASE}/requests.json", "requests", page_size=1)
    assert newest["service_request_id"] == board["refused"].number
    middle = ok(f"{BASE}/requests.json", "requests", page=2, page_size=1)[0]["requested_datetime"]
    older = ok(f"{BASE}/requests.json", "requests", end_date=middle)
    assert [r["service_request_id"] for r in older] == [board["concluded"].number, board["handling"].number]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"start_date": "2026-01-01", "end_date": "2026-04-02"},
            "start_date、end_date：查询区间不能超过 90 天",
        ),
        (
            {"start_date": "2026-02-01", "end_date": "2026-01-01"},
            "end_date（结束时间）：应晚于 start_date（开始时间）",
        ),
        ({"start_date": "yesterday"}, "start_date（开始时间）：不是有效的 ISO 8601 时间"),
        ({"end_date": "2026-13-01"}, "end_date（结束时间）：不是有效的 ISO 8601 时间"),
        ({"status": "pending"}, "status（状态）：只能是 open 或 closed"),
        ({"page_size": "1001"}, "page_size（每页条数）：应为 1 至 1000 的整数"),
        ({"page": "0"}, "page（页码）：应为 1 至 20 的整数"),
        ({"page": "١"}, "page（页码）：应为 1 至 20 的整数"),
        (
            {"page": "201", "page_size": "100"},
            "page（页码）：应为 1 至 200 的整数（翻页只及最新的 20000 条；更早的请把 end_date",
        ),
        (
            {"service_request_id": ",".join(str(n) for n in range(101))},
            "service_request_id（办件编号）：一次最多 100 个",
        ),
    ],
)
def test_bad_parameters_are_refused_in_chinese_naming_the_parameter(cast, params, message):
    assert refused(f"{BASE}/requests.json", 400, params).startswith(message)


def test_only_json_is_offered(cast, licence, board):
    for path in (
        f"{BASE}/services.xml",
        f"{BASE}/requests.xml",
        f"{BASE}/requests/{board['handling'].number}.xml",
    ):
        assert refused(path, 404) == "仅提供 JSON 格式：请把地址结尾的 .xml 改为 .json"
    assert refused("/open311/discovery.xml", 404).startswith("仅提供 JSON 格式")


def test_discovery_names_the_endpoint(cast, licence, settings):
    settings.YIMEN = {**settings.YIMEN, "PUBLIC_BASE_URL": "https://zwfw.example.cn/"}
    discovery = ok("/open311/discovery.json", "discovery")
    [endpoint] = discovery["endpoints"]
    assert endpoint["url"] == "https://zwfw.example.cn/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["application/json"]
    assert get(endpoint["url"].removeprefix("https://zwfw.example.cn") + "/services.json").status_code == 200


def test_calls_from_one_address_are_budgeted(cast, monkeypatch):
    monkeypatch.setattr(open311, "CALLS", Budget("open311:ip", lambda: 2, 60, open311.CALLS.message))
    assert get(f"{BASE}/services.json").status_code == 200
    assert get(f"{BASE}/requests.json").status_code == 200
    answer = get(f"{BASE}/services.json")
    assert answer.status_code == 429 and answer["Retry-After"] == "60"
    assert (
        valid("errors", answer.json())[0]["description"]
        == "本网络地址每分钟调用 Open311 接口的次数已达上限，请稍后再试"
    )
    other = Client(REMOTE_ADDR="10.0.0.9").get(f"{BASE}/services.json")
    assert other.status_code == 200


def test_only_get_is_answered(cast):
    assert Client().post(f"{BASE}/requests.json").status_code == 405
