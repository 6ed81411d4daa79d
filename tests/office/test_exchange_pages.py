"""数据交换 in the office: 周管理 keeps the targets and sees every page; 钱监察 watches without changing
anything; 王审批 of the market bureau sees the market's rejected rows and re-queues one with 「重新推送」
(CSRF checked); 吴审批 of the police sees only the police's; 孙其他, a clerk, reaches none of it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.cases.conftest import COMPANY, file
from tests.conftest import make_staff, sign_in
from tests.exchange import conftest as exchange
from tests.exchange.conftest import make_target, work_off
from yimen.cases.services import steps
from yimen.core.models import AuditEntry
from yimen.exchange import push, reconcile
from yimen.exchange.models import Delivery, Kind, Reconciliation, Record, Revision, Status, Target
from yimen.exchange.transports import Outcome
from yimen.org.models import Role

pytestmark = pytest.mark.django_db

recorder = exchange.recorder  # the transport double, as tests/exchange/ has it

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def reject_accept_rows(row) -> Outcome:
    if row.kind == Kind.ACCEPT:
        return Outcome(row.delivery, "rejected", err_type="字段校验", remark="受理文书编号格式错误")
    return Outcome(row.delivery, "accepted")


@pytest.fixture
def police_reviewer(cast):
    return make_staff("police_reviewer", "吴审批", cast.police, (Role.REVIEWER, cast.police))


@pytest.fixture
def province(cast, licence, recorder) -> Target:
    """The province rejected the market case's 受理 row, and a police row (made by hand) as well."""
    target = make_target(name="省一体化政务服务平台")
    case = steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    recorder.answer = reject_accept_rows
    push.push(target)
    record = Record.objects.create(
        kind=Kind.ACCEPT,
        source="case:990:accept",
        group="case:990",
        row_guid="f" * 32,
        organisation=cast.police,
    )
    revision = Revision.objects.create(
        record=record, version=1, operation="I", payload="{}", changed_at=case.accepted_at
    )
    Delivery.objects.create(
        target=target,
        record=record,
        revision=revision,
        kind=Kind.ACCEPT,
        status=Status.REJECTED,
        operation="I",
        changed_at=case.accepted_at,
        due_by=case.accepted_at,
        first_sent_at=case.accepted_at,
        attempts=1,
        err_type="身份校验",
        remark="证件号码与姓名不符",
    )
    return target


def table(html: str) -> str:
    """The dashboard's figures table alone."""
    return html.split('data-testid="figures"')[1].split("</table>")[0]


def market_row() -> Delivery:
    return Delivery.objects.select_related("record").get(
        status=Status.REJECTED, record__organisation__code="SJJ"
    )


def test_each_page_opens_for_the_administrator(client: Client, cast, province) -> None:
    sign_in(client, cast.admin)
    assert 'href="/office/exchange/"' in page(client, "/office/")
    listed = page(client, "/office/exchange/")
    assert "省一体化政务服务平台" in listed and 'href="/office/exchange/new/"' in listed
    assert re.search(r'data-testid="rejected">2<', listed)  # both organisations' rows
    detail = page(client, f"/office/exchange/{province.pk}/")
    guid = market_row().record.row_guid
    assert guid in detail and "f" * 32 in detail and "受理文书编号格式错误" in detail
    assert f'href="/office/cases/{market_row().record.group.split(":")[1]}/"' in detail  # the record's page
    assert "修改设置" in detail and "停用原因" in detail
    assert "f" * 32 not in page(client, f"/office/exchange/{province.pk}/?err_type=字段校验")
    assert guid not in page(client, f"/office/exchange/{province.pk}/?kind={Kind.RESULT}")
    dashboard = page(client, "/office/exchange/dashboard/")
    assert (
        "今年以来向省一体化政务服务平台推送办件和事项数据5条" in dashboard and 'id="chart-rates"' in dashboard
    )
    assert "vendor/echarts/echarts.min.js" in dashboard
    assert f'name="end" value="{timezone.localdate().isoformat()}"' in dashboard
    assert re.search(
        r"<td data-label=\"数据类别\">办件受理</td><td data-label=\"应推送\">2</td>", table(dashboard)
    )
    narrowed = table(page(client, f"/office/exchange/dashboard/?kind={Kind.PROCESS}&target={province.pk}"))
    assert "办件过程" in narrowed and "办件受理" not in narrowed
    reconcile.reconcile_day(timezone.localdate(market_row().changed_at))
    assert Reconciliation.objects.exists()
    gaps = page(client, "/office/exchange/reconciliations/")
    assert "省一体化政务服务平台" in gaps and "被退回" in gaps
    assert "target-form" in page(client, "/office/exchange/new/")
    assert "target-form" in page(client, f"/office/exchange/{province.pk}/edit/")


def test_a_clerk_reaches_none_of_it(client: Client, cast, province) -> None:
    for outsider in (cast.clerk, cast.other):
        sign_in(client, outsider)
        assert 'href="/office/exchange/"' not in page(client, "/office/")
        for url in ("", f"{province.pk}/", "dashboard/", "reconciliations/", "new/"):
            page(client, f"/office/exchange/{url}", 403)
        assert client.post(f"/office/exchange/deliveries/{market_row().pk}/requeue/").status_code == 403
    assert Delivery.objects.filter(status=Status.PENDING).count() == 0


def test_the_supervisor_watches_but_keeps_nothing(client: Client, cast, province) -> None:
    sign_in(client, cast.supervisor)
    detail = page(client, f"/office/exchange/{province.pk}/")
    assert market_row().record.row_guid in detail and "重新推送</button>" not in detail
    assert "修改设置" not in detail and "停用原因" not in detail
    page(client, "/office/exchange/new/", 403)
    page(client, f"/office/exchange/{province.pk}/edit/", 403)
    assert client.post(f"/office/exchange/{province.pk}/disable/", {"reason": "x"}).status_code == 403
    assert client.post(f"/office/exchange/deliveries/{market_row().pk}/requeue/").status_code == 403


def test_a_department_sees_only_its_own_rows(client: Client, cast, province, police_reviewer) -> None:
    sign_in(client, cast.reviewer)
    mine = page(client, f"/office/exchange/{province.pk}/")
    assert market_row().record.row_guid in mine and "f" * 32 not in mine and "重新推送</button>" in mine
    assert re.search(r'data-testid="rejected">1<', page(client, "/office/exchange/"))
    own = table(page(client, "/office/exchange/dashboard/"))  # the police row is not counted
    assert '<td data-label="数据类别">办件受理</td><td data-label="应推送">1</td>' in own
    sign_in(client, police_reviewer)
    theirs = page(client, f"/office/exchange/{province.pk}/")
    assert "f" * 32 in theirs and market_row().record.row_guid not in theirs
    assert client.post(f"/office/exchange/deliveries/{market_row().pk}/requeue/").status_code == 404
    department = make_target(
        "market-system", name="市场监管业务系统", role="department", organisation=cast.market
    )
    page(client, f"/office/exchange/{department.pk}/", 404)
    assert "市场监管业务系统" not in page(client, "/office/exchange/")


def test_the_requeue_button_works_through_the_page_with_its_csrf_token(cast, province) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, cast.reviewer)
    row = market_row()
    url = f"/office/exchange/deliveries/{row.pk}/requeue/"
    detail = page(client, f"/office/exchange/{province.pk}/")
    form = re.search(
        rf'<form method="post" action="{url}"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">',
        detail,
    )
    assert form is not None
    assert client.post(url).status_code == 403  # no token: refused, nothing queued
    assert not Delivery.objects.filter(status=Status.PENDING).exists()
    done = client.post(url, {"csrfmiddlewaretoken": form.group(1)}, follow=True)
    text = done.content.decode()
    assert done.status_code == 200 and f"已重新推送记录 {row.record.row_guid}（第 2 版）" in text
    again = Delivery.objects.get(status=Status.PENDING)
    assert (
        again.record_id == row.record_id and again.correction and again.operation == "I"
    )  # refused: new to the target
    assert row.record.row_guid not in text.split('data-testid="rejected"')[1].split("</table>")[0]
    refused = client.post(url, {"csrfmiddlewaretoken": form.group(1)})
    assert refused.status_code == 409 and "已重新推送" in refused.content.decode()


def test_the_administrator_keeps_a_target_through_the_form(client: Client, cast, province) -> None:
    sign_in(client, cast.admin)
    data = {
        "code": "dept",
        "name": "市场监管业务系统",
        "role": "department",
        "transport": "frontdb",
        "endpoint": "https://wrong.example",
        "signature": "hmac-sha256",
        "kinds": [Kind.RESULT],
        "limit_minutes": "30",
        "batch_size": "200",
        "interval_seconds": "0",
        "ack_minutes": "60",
        "data_source": "1",
        "organisation": cast.market.pk,
    }
    refused = client.post("/office/exchange/new/", data)
    assert (
        refused.status_code == 422
        and "地址：前置库应为 mysql://用户@主机:端口/库名" in refused.content.decode()
    )
    assert not Target.objects.filter(code="dept").exists()
    data |= {"transport": "http", "endpoint": "https://dept.example.gov.cn/hook", "secret": SECRET}
    saved = client.post("/office/exchange/new/", data)
    target = Target.objects.get(code="dept")
    assert saved.status_code == 302 and target.secret == SECRET and target.organisation == cast.market
    edit = page(client, f"/office/exchange/{target.pk}/edit/")
    assert SECRET not in edit and "已设置；留空则保留原密钥" in edit
    assert SECRET not in page(client, f"/office/exchange/{target.pk}/") and "已设置" in edit
    client.post(f"/office/exchange/{target.pk}/edit/", {**data, "secret": "", "name": "市场监管审批系统"})
    target.refresh_from_db()
    assert target.name == "市场监管审批系统" and target.secret == SECRET

    no_reason = client.post(f"/office/exchange/{target.pk}/disable/", {"reason": ""})
    assert no_reason.status_code == 422 and "停用原因：必填" in no_reason.content.decode()
    client.post(f"/office/exchange/{target.pk}/disable/", {"reason": "系统迁移"})
    listed = page(client, "/office/exchange/")
    assert "已停用" in listed and "系统迁移" in listed
    client.post(f"/office/exchange/{target.pk}/enable/")
    target.refresh_from_db()
    assert target.active
    assert AuditEntry.objects.filter(action="exchange.target_enabled", actor_id=cast.admin.pk).exists()


def test_the_administrator_requeues_every_dead_letter(client: Client, cast, province) -> None:
    Delivery.objects.filter(status=Status.ACCEPTED).update(status=Status.DEAD, last_error="连接超时")
    dead = Delivery.objects.filter(status=Status.DEAD).count()
    sign_in(client, cast.reviewer)
    mine = page(client, f"/office/exchange/{province.pk}/")
    assert "连接超时" in mine and "全部重新推送</button>" not in mine
    assert client.post(f"/office/exchange/{province.pk}/requeue-dead/").status_code == 403
    sign_in(client, cast.admin)
    detail = page(client, f"/office/exchange/{province.pk}/")
    assert "全部重新推送</button>" in detail and "连接超时" in detail
    done = client.post(f"/office/exchange/{province.pk}/requeue-dead/", follow=True)
    assert f"已将 {dead} 条推送失败的记录重新推送" in done.content.decode()
    assert Delivery.objects.filter(status=Status.PENDING).count() == dead
    assert "没有推送失败的记录" in done.content.decode()


def test_the_dashboard_refuses_a_reversed_period_in_chinese(client: Client, cast, province) -> None:
    sign_in(client, cast.admin)
    response = client.get("/office/exchange/dashboard/?start=2026-03-10&end=2026-03-01")
    assert response.status_code == 422 and "结束日期：不能早于开始日期" in response.content.decode()


def test_the_django_admin_shows_a_target_without_its_key(client: Client, cast) -> None:
    root = make_staff("root", "系统", cast.centre, is_staff=True, is_superuser=True)
    target = make_target(secret=SECRET, alert_phone="13812345678")
    sign_in(client, root)
    shown = page(client, f"/admin/exchange/target/{target.pk}/change/")
    assert target.name in shown and "已设置" in shown and "138****5678" in shown
    assert SECRET not in shown and "13812345678" not in shown and 'name="secret"' not in shown
    assert client.get("/admin/exchange/target/add/").status_code == 403
