"""The change feed /api/v1/exchange/changes: a department's system pulls its organisations' changes by cursor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.cases.conftest import APPLICANT, file
from tests.conftest import make_staff
from tests.exchange.conftest import work_off
from yimen.cases.models import Result
from yimen.cases.services import steps
from yimen.cases.services.privacy import correct_applicant
from yimen.core.models import AuditEntry
from yimen.exchange import feed, sync
from yimen.exchange.models import Kind, Record, Revision
from yimen.exchange.rows import Row
from yimen.org import services
from yimen.org.models import ApiScope, Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/exchange/changes"


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Revisions are served as soon as written (the settling wait has a test of its own)."""
    monkeypatch.setattr(feed, "SETTLE", timedelta(0))


@pytest.fixture
def security(cast) -> Any:
    return make_staff("security", "吴安全", cast.centre, (Role.SECURITY_ADMIN, cast.government))


def key_for(security, cast, *organisations, scopes=(ApiScope.EXCHANGE_READ,)) -> str:
    _, plain = services.issue_api_key(
        name="部门业务系统",
        staff=cast.clerk,
        organisations=list(organisations),
        scopes=list(scopes),
        per_minute=600,
        expires_at=timezone.now() + timedelta(days=30),
        by=security,
    )
    return plain


def read(key: str, **params: Any) -> Any:
    return Client().get(URL, params, HTTP_X_API_KEY=key)


def read_all(key: str, limit: int = 2, **params: Any) -> tuple[list[dict[str, Any]], str]:
    """Every page from the start: the items and the last `next`."""
    items: list[dict[str, Any]] = []
    since = ""
    while True:
        answer = read(key, since=since, limit=limit, **params)
        assert answer.status_code == 200, answer.content
        page = answer.json()
        items.extend(page["items"])
        assert len(page["items"]) <= limit
        if page["next"] == (since or "0"):  # caught up
            assert not page["items"]
            return items, page["next"]
        since = page["next"]


def concluded(cast, licence):
    case = steps.accept(case=file(licence, cast, APPLICANT), by=cast.clerk)
    case = steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="SP-1")
    work_off()
    return case


def police_row(cast, number: str = "GAJ-0001") -> None:
    """A record of another organisation (公安局), naming an applicant."""
    sync.sync(
        "case:police",
        [
            Row(
                Kind.ACCEPT,
                "case:police:accept",
                "case:police",
                cast.police.pk,
                timezone.now(),
                {"project_no": number, "applyer_page_code": "420102199001011237"},
            )
        ],
    )


def test_a_department_reads_its_changes_page_by_page(cast, licence, security):
    case = concluded(cast, licence)
    key = key_for(security, cast, cast.market)

    items, last = read_all(key, limit=2)

    records = Record.objects.filter(organisation=cast.market)
    assert len(items) == Revision.objects.filter(record__in=records).count() >= 4
    cursors = [int(item["cursor"]) for item in items]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors) and last == str(cursors[-1])
    assert {item["row_guid"] for item in items} == set(records.values_list("row_guid", flat=True))
    accept = next(item for item in items if item["kind"] == Kind.ACCEPT)
    assert accept["operation"] == "I" and accept["row"]["cd_operation"] == "I"
    assert accept["row"]["project_no"] == case.number and accept["row"]["row_guid"] == accept["row_guid"]
    # The key's own organisation's case: the applicant's ID number is there, as in the push.
    assert accept["row"]["applyer_page_code"] == APPLICANT.id_number
    assert {Kind.PROCESS, Kind.RESULT} <= {item["kind"] for item in items}

    # Caught up: the same cursor again; then a correction comes as an update of the same row.
    assert read(key, since=last).json() == {"items": [], "next": last}
    correct_applicant(case=case, changes={"applicant_name": "张山"}, by=cast.reviewer, reason="更正姓名")
    work_off()
    newer = read(key, since=last).json()
    update = next(item for item in newer["items"] if item["kind"] == Kind.ACCEPT)
    assert update["row_guid"] == accept["row_guid"] and update["operation"] == "U"
    assert update["row"]["applyer_name"] == "张山" and int(newer["next"]) > int(last)


def test_another_organisations_records_never_appear(cast, licence, security):
    concluded(cast, licence)
    police_row(cast)
    market_key = key_for(security, cast, cast.market)

    items, _ = read_all(market_key, limit=1000)

    assert items and "GAJ-0001" not in str(items) and "420102199001011237" not in str(items)
    police_items, _ = read_all(key_for(security, cast, cast.police), limit=1000)
    assert [item["row"]["project_no"] for item in police_items] == ["GAJ-0001"]
    # A key of the government reaches the organisations below it.
    both, _ = read_all(key_for(security, cast, cast.government), limit=1000)
    assert len(both) == len(items) + 1


def test_a_key_without_the_scope_is_refused(cast, security):
    key = key_for(security, cast, cast.market, scopes=(ApiScope.CERTIFICATES_READ,))
    refused = read(key)
    assert refused.status_code == 403
    assert (
        refused.json()["message"]
        == "该接口密钥无权调用此接口（需要“数据交换读取（本单位及下级单位办件、事项、证照、好差评的变更数据）”权限）"
    )
    assert Client().get(URL).status_code == 401


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"since": "abc"}, "since", "起始位置应为上次答复中的 next 值（不超过18位的非负整数），首次读取留空"),
        ({"since": "-1"}, "since", "起始位置应为上次答复中的 next 值（不超过18位的非负整数），首次读取留空"),
        ({"limit": 1001}, "limit", "每页条数不能大于 1000"),
        ({"limit": 0}, "limit", "每页条数不能小于 1"),
        ({"kind": "up_trade_notice"}, "kind", "数据类别只能是 up_pro_accept、"),
    ],
)
def test_bad_input_is_refused_in_chinese_naming_the_field(cast, security, params, field, message):
    answer = read(key_for(security, cast, cast.market), **params)
    assert answer.status_code == 422
    assert answer.json()["fields"][field][0].startswith(message)


def test_a_kind_narrows_the_feed(cast, licence, security):
    concluded(cast, licence)
    key = key_for(security, cast, cast.market)
    items, _ = read_all(key, limit=1000, kind=Kind.RESULT)
    assert [item["kind"] for item in items] == [Kind.RESULT]


def test_every_read_is_audited_with_its_cursor_range(cast, licence, security):
    concluded(cast, licence)
    key = key_for(security, cast, cast.market)
    page = read(key, limit=3).json()
    entry = AuditEntry.objects.get(action="exchange.feed_read")
    assert entry.actor_label == "李窗口"
    assert entry.summary["after"] == {"kind": "全部", "since": 0, "next": page["next"], "rows": 3}
    assert APPLICANT.id_number not in str(entry.summary)


def test_revisions_of_the_last_seconds_wait_for_the_next_call(cast, licence, security, monkeypatch):
    """A revision written just now may sit beside one of a transaction not yet committed: it is served
    once it has settled, and the cursor does not move past it meanwhile."""
    monkeypatch.setattr(feed, "SETTLE", timedelta(seconds=10))
    concluded(cast, licence)
    key = key_for(security, cast, cast.market)
    assert read(key).json() == {"items": [], "next": "0"}
    Revision.objects.update(created_at=timezone.now() - timedelta(seconds=11))
    assert read(key, limit=1000).json()["items"]


def test_the_cursor_moves_past_other_organisations_traffic_in_bounded_steps(
    cast, licence, security, monkeypatch
):
    monkeypatch.setattr(feed, "SCAN", 2)
    for number in range(5):
        police_row(cast, f"GAJ-{number}")
    key = key_for(security, cast, cast.market)
    page = read(key).json()
    first = Revision.objects.order_by("id").first()
    assert first is not None
    assert page["items"] == [] and page["next"] == str(first.pk + 1)
    _, last = read_all(key)
    assert last == str(Revision.objects.order_by("-id").first().pk)
