"""个人信息权利申请 in the office: 王审批's queue of the market department's requests, the requester's own
records on the request's page, each answer through the pages, and 李窗口 recording one at the window."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.cases.conftest import APPLICANT
from tests.portal.test_privacy_pages import text
from tests.privacy import conftest as privacy
from tests.privacy.conftest import by_id
from yimen.privacy.models import Channel, Outcome, RequestState, RightKind, RightsRequest

pytestmark = pytest.mark.django_db


holders = privacy.holders  # the fixture, as tests/privacy/ has it


def test_the_queue_shows_open_requests_to_the_holding_organisations_handler_only(
    client: Client, holders
) -> None:
    request = by_id(holders, RightKind.ACCESS)
    cast = holders.cast
    client.force_login(cast.reviewer)
    home = client.get("/office/").content.decode()
    assert 'href="/office/privacy/"' in home
    listed = client.get("/office/privacy/").content.decode()
    assert request.number in listed and "查阅、复制" in listed
    assert request.due_on.isoformat() in listed
    for outsider in (cast.other, cast.supervisor, holders.centre_handler):
        client.force_login(outsider)
        assert client.get(f"/office/privacy/{request.pk}/").status_code == 404
    client.force_login(cast.other)
    assert client.get("/office/privacy/").status_code == 403


def test_the_page_shows_the_requesters_records_and_answers_with_a_copy(client: Client, holders) -> None:
    request = by_id(holders, RightKind.ACCESS)
    client.force_login(holders.cast.reviewer)
    page = client.get(f"/office/privacy/{request.pk}/").content.decode()
    records = re.search(r'data-testid="records".*?</table>', page, re.S).group(0)  # type: ignore[union-attr]
    assert holders.accepted.number in records and holders.withdrawn.number in records
    assert holders.lisi.number not in records and "李四" not in records
    assert "受理" in page and "生成副本并答复" not in page  # not accepted yet
    assert (
        client.post(f"/office/privacy/{request.pk}/accept/")["Location"] == f"/office/privacy/{request.pk}/"
    )
    response = client.post(f"/office/privacy/{request.pk}/provide/", {"reply": ""})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.outcome) == (RequestState.ANSWERED, Outcome.PROVIDED)
    download = client.get(f"/office/privacy/{request.pk}/copy.json")
    copy = json.loads(download.content)
    assert sorted(c["办件编号"] for c in copy["办件"]) == sorted(
        [holders.accepted.number, holders.withdrawn.number]
    )


def test_a_correction_through_the_page_and_its_mistakes_shown_in_place(client: Client, holders) -> None:
    request = by_id(holders, RightKind.CORRECT, content="地址改为温泉路 2 号")
    client.force_login(holders.cast.reviewer)
    client.post(f"/office/privacy/{request.pk}/accept/")
    wrong = client.post(
        f"/office/privacy/{request.pk}/correct/", {"case": holders.accepted.pk, "phone": "123"}
    )
    assert wrong.status_code == 422 and "手机号码：应为11位手机号码" in wrong.content.decode()
    holders.accepted.refresh_from_db()
    assert holders.accepted.phone == APPLICANT.phone
    stranger = client.post(
        f"/office/privacy/{request.pk}/correct/", {"case": holders.lisi.pk, "address": "x"}
    )
    assert "请从申请人本人的办件中选择" in stranger.content.decode()
    done = client.post(
        f"/office/privacy/{request.pk}/correct/",
        {"case": holders.accepted.pk, "address": "咸宁市咸安区温泉路 2 号"},
    )
    assert done.status_code == 302
    holders.accepted.refresh_from_db()
    assert holders.accepted.address == "咸宁市咸安区温泉路 2 号"
    shown = text(client.get(f"/office/privacy/{request.pk}/").content.decode())
    assert f"经核实，已更正办件 {holders.accepted.number} 的联系地址。" in shown


def test_a_refusal_without_a_reason_is_422_and_one_answered_is_409(client: Client, holders) -> None:
    request = by_id(holders, RightKind.DELETE)
    client.force_login(holders.cast.reviewer)
    empty = client.post(f"/office/privacy/{request.pk}/refuse/", {"reason": ""})
    assert (
        empty.status_code == 422
        and "不予办理的理由：必填（个人信息保护法第五十条）" in empty.content.decode()
    )
    assert (
        client.post(f"/office/privacy/{request.pk}/refuse/", {"reason": "该办件正在审批中"}).status_code
        == 302
    )
    again = client.post(f"/office/privacy/{request.pk}/accept/")
    assert again.status_code == 409 and "申请当前为“已答复”，不能受理" in again.content.decode()


def test_the_window_records_a_request_after_checking_the_id_card(client: Client, holders) -> None:
    cast = holders.cast
    client.force_login(cast.clerk)
    form = client.get("/office/privacy/new/").content.decode()
    assert "窗口核验身份证件" in form
    options = re.search(r'<select name="organisation".*?</select>', form, re.S).group(0)  # type: ignore[union-attr]
    assert cast.market.name in options and cast.police.name not in options
    response = client.post(
        "/office/privacy/new/",
        {
            "kind": RightKind.ACCESS,
            "verification": "counter",
            "organisation": cast.market.pk,
            "id_number": APPLICANT.id_number,
            "name": "张三",
            "phone": "13812345678",
            "content": "查阅我在市场监管局的办件信息",
        },
    )
    assert response.status_code == 200
    filed = RightsRequest.objects.get()
    assert (filed.channel, filed.created_by, filed.organisation) == (Channel.WINDOW, cast.clerk, cast.market)
    receipt = text(response.content.decode())
    assert filed.number in receipt and filed.query_code in receipt
    client.force_login(cast.supervisor)
    assert client.get("/office/privacy/new/").status_code == 403
