"""The 及时率/准确率 dashboard in a real browser: 王审批 signs in, opens it from the office navigation, the
two ECharts charts draw from the local copy under the Content-Security-Policy, and the table and the
annual report's sentence show the market bureau's rows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.exchange.conftest import make_target
from yimen.exchange.models import Delivery, Kind, Record, Revision, Status

pytestmark = pytest.mark.browser


def test_the_dashboard_draws_its_charts_offline(transactional_db, live_server, cast, page, page_log) -> None:
    province = make_target(name="省一体化政务服务平台")
    now = timezone.now()
    for n, status in enumerate([Status.ACCEPTED] * 3 + [Status.REJECTED]):
        changed = now - timedelta(minutes=35 + n)
        record = Record.objects.create(
            kind=Kind.ACCEPT,
            source=f"case:{n}:accept",
            group=f"case:{n}",
            row_guid=f"{n:032d}",
            organisation=cast.market,
        )
        revision = Revision.objects.create(
            record=record, version=1, operation="I", payload="{}", changed_at=changed
        )
        Delivery.objects.create(
            target=province,
            record=record,
            revision=revision,
            kind=Kind.ACCEPT,
            status=status,
            operation="I",
            changed_at=changed,
            due_by=changed + timedelta(minutes=30),
            first_sent_at=changed + timedelta(minutes=5),
            attempts=1,
        )
    page.goto(f"{live_server.url}/office/login/")
    page.locator("#id_username").fill("reviewer")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="数据交换").first.click()
    expect(page.get_by_test_id("target-province")).to_contain_text("省一体化政务服务平台")
    page.get_by_role("link", name="及时率与准确率").click()
    expect(page).to_have_url(re.compile(r"/office/exchange/dashboard/$"))
    expect(page.get_by_test_id("narrative")).to_contain_text("今年以来向省一体化政务服务平台推送办件数据4条")
    expect(page.get_by_test_id("narrative")).to_contain_text("准确率75%")
    expect(page.locator("#chart-volume canvas")).to_have_count(1)
    expect(page.locator("#chart-rates canvas")).to_have_count(1)
    page_log.assert_clean(live_server.url)
