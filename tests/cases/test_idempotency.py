"""One application, one case: a submission repeated with the same idempotency key — a retried API call,
a form sent twice — files nothing new and answers with the first case, even when both race."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from tests.cases.conftest import APPLICANT, COMPANY, race
from yimen.cases.models import Case, Channel
from yimen.cases.services import intake
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.core.throttle import SUBMISSIONS

pytestmark = pytest.mark.django_db

BODY = {"kind": "person", "name": "张三", "phone": "13812345678", "id_number": "11010519491231002X"}


def test_a_second_submission_with_the_same_key_returns_the_first_case_and_writes_nothing(licence) -> None:
    first = intake.submit(item=licence, applicant=APPLICANT, channel=Channel.ONLINE, idempotency_key="k-1")
    again = intake.submit_once(
        item=licence, applicant=APPLICANT, channel=Channel.ONLINE, idempotency_key="k-1"
    )
    assert again.repeated and again.case.pk == first.pk and again.case.query_code == first.query_code
    assert Case.objects.count() == 1
    assert AuditEntry.objects.filter(action="cases.submitted").count() == 1
    assert OutboxMessage.objects.filter(name="sms.send").count() == 1  # one SMS with the query code


def test_other_keys_and_no_key_file_new_cases(licence) -> None:
    intake.submit(item=licence, applicant=APPLICANT, channel=Channel.ONLINE, idempotency_key="k-1")
    intake.submit(item=licence, applicant=APPLICANT, channel=Channel.ONLINE, idempotency_key="k-2")
    intake.submit(item=licence, applicant=APPLICANT, channel=Channel.ONLINE)
    intake.submit(item=licence, applicant=APPLICANT, channel=Channel.ONLINE)
    assert Case.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_with_one_key_file_one_case(licence) -> None:
    """The second insert waits on the key's unique index until the first commits, then takes its case
    (PostgreSQL; SQLite's writers are serialised at BEGIN IMMEDIATE, and its test database is in memory)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers")

    def send() -> intake.Submitted:
        return intake.submit_once(
            item=licence, applicant=APPLICANT, channel=Channel.ONLINE, idempotency_key="race"
        )

    answers = race(send, send)
    assert all(isinstance(a, intake.Submitted) for a in answers), answers
    first, second = (a for a in answers if isinstance(a, intake.Submitted))
    assert sorted([first.repeated, second.repeated]) == [False, True]
    assert first.case.pk == second.case.pk == Case.objects.get().pk
    assert AuditEntry.objects.filter(action="cases.submitted").count() == 1


# --- POST /api/v1/cases with an Idempotency-Key header ---------------------------------------------


def apply(client: Client, body: dict[str, Any], key: str | None = None, ip: str = "203.0.113.5"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        "/api/v1/cases", body, content_type="application/json", headers=headers, REMOTE_ADDR=ip
    )


def test_a_retried_api_call_with_its_key_gets_the_first_answer(client: Client, licence) -> None:
    body = {"item": licence.impl_code, **BODY}
    first = apply(client, body, key="5f0c6a8e-2d1b-4c3a-9e7f-0a1b2c3d4e5f")
    again = apply(client, body, key="5f0c6a8e-2d1b-4c3a-9e7f-0a1b2c3d4e5f")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Case.objects.count() == 1
    assert apply(client, body).status_code == 201 and Case.objects.count() == 2  # no key: a new case


def test_a_key_used_by_another_application_is_refused_and_reveals_nothing(client: Client, licence) -> None:
    apply(client, {"item": licence.impl_code, **BODY}, key="order-1")
    company = {"item": licence.impl_code, "kind": "legal", "name": COMPANY.name, "phone": COMPANY.phone,
               "uscc": COMPANY.uscc, "legal_representative": COMPANY.legal_representative}  # fmt: skip
    refused = apply(client, company, key="order-1")
    assert refused.status_code == 422
    assert refused.json()["fields"] == {
        "idempotency_key": ["Idempotency-Key：已用于另一份申请，新的申请请使用新的键"]
    }
    assert Case.objects.get().query_code not in refused.content.decode()
    assert Case.objects.count() == 1


def test_a_malformed_key_is_named(client: Client, licence) -> None:
    refused = apply(client, {"item": licence.impl_code, **BODY}, key="x" * 65)
    assert refused.status_code == 422 and "Idempotency-Key最多 64 个字符" in str(refused.json()["fields"])
    assert not Case.objects.exists()


def test_api_applications_spend_the_hourly_budget_but_a_repeat_does_not(client: Client, licence) -> None:
    body = {"item": licence.impl_code, **BODY}
    with override_settings(YIMEN={**settings.YIMEN, "APPLY_SUBMISSIONS_PER_HOUR": 2}):
        assert apply(client, body, key="a").status_code == 201
        assert apply(client, body, key="a").status_code == 201  # the repeat spends nothing
        assert apply(client, {**body, "phone": "1"}).status_code == 422  # nor does a refusal
        assert apply(client, body, key="b").status_code == 201
        blocked = apply(client, body, key="c")
        assert blocked.status_code == 429 and blocked.json()["message"] == SUBMISSIONS.message
        assert apply(client, body, key="c", ip="198.51.100.2").status_code == 201
    assert Case.objects.count() == 3
