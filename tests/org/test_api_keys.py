"""Machine clients' API keys: issued by the security administrator and shown once, kept as a keyed
digest, narrowed to organisations and operations, rate-limited, expiring, revocable, every use audited."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.cases.conftest import file
from tests.conftest import make_staff, sign_in
from yimen.core.errors import NotPermitted
from yimen.core.models import AuditEntry
from yimen.core.notify_models import SmsMessage, SmsStatus
from yimen.org import services
from yimen.org.models import ApiKey, ApiScope, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def security(cast) -> Any:
    return make_staff("security", "吴安全", cast.centre, (Role.SECURITY_ADMIN, cast.government))


def issue(security, cast, **overrides: Any) -> tuple[ApiKey, str]:
    values: dict[str, Any] = {
        "name": "市场监管局审批系统",
        "staff": cast.clerk,
        "organisations": [cast.market],
        "scopes": [ApiScope.CASE_STEPS],
        "per_minute": 60,
        "expires_at": timezone.now() + timedelta(days=30),
        "by": security,
        **overrides,
    }
    return services.issue_api_key(**values)


def accept(case, key: str, client: Client | None = None) -> Any:
    return (client or Client()).post(
        f"/api/v1/cases/{case.number}/accept",
        json.dumps({"expected_version": case.lock_version}),
        content_type="application/json",
        HTTP_X_API_KEY=key,
    )


def test_a_department_system_accepts_a_case_with_its_key_and_the_use_is_audited(
    licence, cast, security
) -> None:
    case = file(licence, cast)
    key, plain = issue(security, cast)
    # A program sends no Origin; a key is taken even where a browser would name another site.
    response = accept(case, plain, Client(HTTP_ORIGIN="https://dept-system.example"))
    assert response.status_code == 200 and response.json()["state_label"] == "办理中"
    used = AuditEntry.objects.filter(action="apikey.used").get()
    assert used.actor_label == "李窗口" and f"POST /api/v1/cases/{case.number}/accept" in json.dumps(
        used.summary, ensure_ascii=False
    )
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_the_key_is_shown_once_and_kept_only_as_a_keyed_digest(cast, security) -> None:
    key, plain = issue(security, cast)
    assert plain.startswith(f"ym_{key.key_id}_") and len(plain) > 50
    stored = json.dumps(list(ApiKey.objects.values()), default=str)
    assert plain not in stored and plain.split("_", 2)[2] not in stored
    assert key.digest == services.api_key_digest(plain) and len(key.digest) == 64
    issued = AuditEntry.objects.get(action="apikey.issued")
    assert plain not in json.dumps(issued.summary)


def test_only_the_security_administrator_issues_keys(cast) -> None:
    with pytest.raises(NotPermitted):
        issue(cast.admin, cast)
    assert not ApiKey.objects.exists()


def test_a_wrong_expired_or_revoked_key_is_refused(licence, cast, security) -> None:
    case = file(licence, cast)
    key, plain = issue(security, cast)
    wrong = accept(case, plain[:-4] + "AAAA")
    assert wrong.status_code == 401 and wrong.json()["message"] == "接口密钥无效"
    services.revoke_api_key(key=key, by=security)
    revoked = accept(case, plain)
    assert revoked.status_code == 401 and revoked.json()["message"] == "接口密钥已吊销"
    _, old = issue(security, cast)
    ApiKey.objects.exclude(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = accept(case, old)
    assert expired.status_code == 401 and expired.json()["message"] == "接口密钥已过期"
    case.refresh_from_db()
    assert case.state == "submitted"
    assert AuditEntry.objects.filter(action="apikey.refused").count() == 2


def test_a_key_reaches_only_its_organisations_and_its_operations(licence, cast, security) -> None:
    case = file(licence, cast)  # 市场监管局's case; 李窗口 works there
    _, police_only = issue(security, cast, organisations=[cast.police])
    elsewhere = accept(case, police_only)
    assert elsewhere.status_code == 404 and elsewhere.json()["message"] == "没有该办件编号的办件"
    _, stats_only = issue(security, cast, scopes=[ApiScope.CASE_STATS])
    other_scope = accept(case, stats_only)
    assert other_scope.status_code == 403 and "办件办理" in other_scope.json()["message"]
    case.refresh_from_db()
    assert case.state == "submitted"


def test_a_key_is_held_to_its_calls_per_minute(licence, cast, security) -> None:
    case = file(licence, cast)
    _, plain = issue(security, cast, per_minute=2)
    url = f"/api/v1/cases/{case.number}/accept"
    statuses = [
        Client().post(url, "{}", content_type="application/json", HTTP_X_API_KEY=plain).status_code
        for _ in range(3)
    ]
    assert statuses == [422, 422, 429]


def test_the_sms_gateway_reports_delivery_with_a_key(cast, security) -> None:
    sms = SmsMessage.objects.create(
        key="k-1", phone="13812345678", template="t", provider_id="gw-9", status=SmsStatus.SENT
    )
    _, plain = issue(security, cast, staff=None, organisations=[], scopes=[ApiScope.SMS_STATUS])
    response = Client().post(
        "/api/v1/sms/status",
        {"id": "gw-9", "status": "delivered"},
        content_type="application/json",
        HTTP_X_API_KEY=plain,
    )
    assert response.status_code == 200 and response.json()["status"] == SmsStatus.DELIVERED
    sms.refresh_from_db()
    assert sms.status == SmsStatus.DELIVERED


def test_the_security_administrator_issues_and_revokes_keys_in_the_office(cast, security) -> None:
    office = sign_in(Client(), security)
    assert "接口密钥" in office.get("/office/").content.decode()
    form = {
        "name": "省一体化政务服务平台",
        "scopes": [ApiScope.CASE_STEPS, ApiScope.CASE_STATS],
        "staff": cast.clerk.pk,
        "organisations": [cast.market.pk],
        "per_minute": 120,
        "expires_on": (timezone.localdate() + timedelta(days=90)).isoformat(),
    }
    page = office.post("/office/api-keys/", form)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    key = ApiKey.objects.get()
    shown = page.content.decode()
    assert f"ym_{key.key_id}_" in shown and key.digest not in shown
    again = office.get("/office/api-keys/").content.decode()
    assert key.key_id in again and f"ym_{key.key_id}_" not in again  # never shown again
    too_long = {**form, "expires_on": (timezone.localdate() + timedelta(days=400)).isoformat()}
    refused = office.post("/office/api-keys/", too_long)
    assert refused.status_code == 422 and "不超过366天" in refused.content.decode()
    office.post(f"/office/api-keys/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == security


def test_no_one_else_reaches_the_key_page(cast) -> None:
    for staff in (cast.admin, cast.clerk):
        office = sign_in(Client(), staff)
        assert office.get("/office/api-keys/").status_code == 403
