"""The API answers bad input with a Chinese 4xx that names the field and the rule, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db


def test_identity_check_returns_the_normalised_number_with_birth_date_and_sex(client: Client) -> None:
    response = client.get(
        "/api/v1/identity/check", {"kind": "id_number", "value": " １１０１０５１９４９１２３１００２x "}
    )
    assert response.status_code == 200
    assert response.json() == {"normalized": "11010519491231002X", "birth_date": "1949-12-31", "sex": "女"}


def test_identity_check_names_the_failed_rule(client: Client) -> None:
    response = client.get("/api/v1/identity/check", {"kind": "id_number", "value": "340524198001010013"})
    assert response.status_code == 422
    assert response.json()["fields"]["value"] == ["公民身份号码第18位校验码错误：应为 X"]


def test_credit_code_check(client: Client) -> None:
    assert (
        client.get("/api/v1/identity/check", {"kind": "uscc", "value": "91350100M000100Y43"}).json()[
            "normalized"
        ]
        == "91350100M000100Y43"
    )
    response = client.get("/api/v1/identity/check", {"kind": "uscc", "value": "91350100M000100Y44"})
    assert response.status_code == 422 and "应为 3" in response.json()["message"]


def test_an_unknown_kind_is_refused(client: Client) -> None:
    response = client.get("/api/v1/identity/check", {"kind": "passport", "value": "E12345678"})
    assert response.status_code == 422
    assert response.json()["fields"]["kind"][0].startswith("号码类型只能是")


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=text, days=text, after=text, through=text, kind=text, value=text)
def test_no_input_makes_the_api_fail(client: Client, start, days, after, through, kind, value) -> None:
    for path, params in [
        ("/api/v1/calendar/add", {"start": start, "days": days}),
        ("/api/v1/calendar/between", {"after": after, "through": through}),
        ("/api/v1/identity/check", {"kind": kind, "value": value}),
    ]:
        response = client.get(path, params)
        assert response.status_code in (200, 422), (path, params, response.content)
        if response.status_code == 422:
            body = response.json()
            assert body["message"] and body["fields"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(), days=st.integers(min_value=-10, max_value=5000))
def test_any_date_and_count_gets_an_answer_or_a_chinese_refusal(client: Client, start, days) -> None:
    response = client.get("/api/v1/calendar/add", {"start": start.isoformat(), "days": days})
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["message"])
