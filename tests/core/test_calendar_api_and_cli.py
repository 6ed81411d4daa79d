"""The calendar over HTTP (/api/v1/calendar/…) and on the command line (`yimen calendar …`)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_api_adds_working_days(client: Client) -> None:
    response = client.get("/api/v1/calendar/add", {"start": "2024-09-27", "days": 20})
    assert response.status_code == 200
    assert response.json() == {"date": "2024-10-30", "provisional": False}


def test_api_counts_working_days_between(client: Client) -> None:
    response = client.get("/api/v1/calendar/between", {"after": "2024-09-27", "through": "2024-10-30"})
    assert response.json() == {"workdays": 20, "provisional": False}


def test_api_marks_2027_provisional(client: Client) -> None:
    response = client.get("/api/v1/calendar/add", {"start": "2027-03-05", "days": 1})
    assert response.json() == {"date": "2027-03-08", "provisional": True}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2024-02-30", "days": 5}, "start", "起始日期不是有效日期"),
        ({"start": "明天", "days": 5}, "start", "起始日期不是有效日期"),
        ({"start": "2024-09-27", "days": -1}, "days", "工作日天数不能小于 0"),
        ({"start": "2024-09-27", "days": 99999}, "days", "工作日天数不能大于 3650"),
        ({"start": "2024-09-27", "days": "二十"}, "days", "工作日天数必须是整数"),
        ({"days": 3}, "start", "起始日期为必填项"),
        ({"start": "1800-01-01", "days": 3}, "start", "超出日历范围"),
    ],
)
def test_api_refuses_bad_input_with_a_chinese_422(client: Client, params, field, message) -> None:
    response = client.get("/api/v1/calendar/add", params)
    assert response.status_code == 422
    body = response.json()
    assert any(message in m for m in body["fields"][field]), body
    assert "\\u" not in response.content.decode()  # Chinese as characters


def test_api_between_refuses_a_bad_date(client: Client) -> None:
    response = client.get("/api/v1/calendar/between", {"after": "2024-13-01", "through": "2024-10-30"})
    assert response.status_code == 422
    assert response.json()["fields"]["after"] == ["起始日期不是有效日期（格式 YYYY-MM-DD）"]


def test_openapi_document_lists_the_calendar_endpoints(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/calendar/add", "/api/v1/calendar/between"} <= set(spec["paths"])


def _run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue().strip()


def test_cli_add_prints_the_date() -> None:
    assert _run("add", "--start", "2024-09-27", "--days", "20") == "2024-10-30"


def test_cli_add_json() -> None:
    assert json.loads(_run("add", "--start", "2024-09-27", "--days", "20", "--json")) == {
        "date": "2024-10-30",
        "provisional": False,
    }


def test_cli_between_prints_the_count() -> None:
    assert _run("between", "2024-09-27", "2024-10-30") == "20"


def test_cli_says_when_a_result_is_provisional() -> None:
    assert "暂按周末规则" in _run("add", "--start", "2027-03-05", "--days", "1")


def test_cli_refuses_a_bad_date_in_chinese() -> None:
    with pytest.raises(CommandError, match="日期 '2024-02-30' 无效"):
        _run("add", "--start", "2024-02-30", "--days", "1")
