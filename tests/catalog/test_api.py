"""/api/v1/items: the catalogue for machines (the provincial platform, other portals)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from tests.catalog.conftest import make_guide, published
from yimen.catalog import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(people):
    food = published(people, name="食品经营许可证核发", basic_code="XK-1")
    estate = published(
        people,
        name="不动产首次登记",
        basic_code="QR-1",
        item_type="07",
        promised_limit=Decimal("0.5"),
        level="county",
        themes=["p06"],
        for_legal=False,
        legal_basis=[{"law": "《不动产登记暂行条例》", "article": "第十四条"}],
    )
    return food.item, estate.item


def test_list_with_filters(client: Client, items) -> None:
    body = client.get("/api/v1/items").json()
    assert body["count"] == 2 and body["page"] == 1
    assert {row["name"] for row in body["items"]} == {"食品经营许可证核发", "不动产首次登记"}
    assert [r["name"] for r in client.get("/api/v1/items", {"type": "07"}).json()["items"]] == [
        "不动产首次登记"
    ]
    assert [r["name"] for r in client.get("/api/v1/items", {"level": "county"}).json()["items"]] == [
        "不动产首次登记"
    ]
    assert [r["name"] for r in client.get("/api/v1/items", {"theme": "p06"}).json()["items"]] == [
        "不动产首次登记"
    ]
    assert client.get("/api/v1/items", {"organisation": "GAJ"}).json()["count"] == 0
    assert client.get("/api/v1/items", {"organisation": "SJJ"}).json()["count"] == 2
    row = client.get("/api/v1/items", {"q": "不动产"}).json()["items"][0]
    assert row["name"] == "不动产首次登记" and row["promised"] == "半天" and row["type_label"] == "行政确认"
    assert row["url"] == f"/guide/{row['impl_code']}/"


def test_pagination(client: Client, items) -> None:
    first = client.get("/api/v1/items", {"page_size": 1}).json()
    second = client.get("/api/v1/items", {"page_size": 1, "page": 2}).json()
    assert first["count"] == 2 and len(first["items"]) == 1 and len(second["items"]) == 1
    assert first["items"][0]["impl_code"] != second["items"][0]["impl_code"]


def test_bad_filters_get_a_chinese_422(client: Client, items) -> None:
    response = client.get("/api/v1/items", {"type": "99", "page_size": 1000})
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert fields["type"][0].startswith("事项类型只能是") and fields["page_size"] == ["每页条数不能大于 100"]


def test_detail_has_the_whole_guide(client: Client, items) -> None:
    food, _ = items
    body = client.get(f"/api/v1/items/{food.impl_code}").json()
    assert body["name"] == "食品经营许可证核发" and body["version"] == 1
    assert [m["name"] for m in body["materials"]] == ["食品经营许可申请书", "营业执照", "委托书"]
    assert body["materials"][2] | {"required": False} == body["materials"][2]
    assert body["materials"][2]["condition"] == "委托他人办理时"
    assert [s["name"] for s in body["steps"]] == ["受理", "审查", "现场核查", "决定"]
    assert body["promised"] == "10个工作日" and body["legal"] == "20个工作日"
    assert body["legal_basis"] == [{"law": "《中华人民共和国食品安全法》", "article": "第三十五条"}]


def test_unknown_code_is_a_chinese_404(client: Client, items) -> None:
    response = client.get("/api/v1/items/NOPE")
    assert response.status_code == 404 and response.json()["message"] == "没有实施编码为 NOPE 的事项"


def test_versions_list_the_change_history(client: Client, items, people) -> None:
    food, _ = items
    draft = services.start_revision(
        item=food, by=people.editor, change_note="承诺时限由10个工作日压缩为5个工作日"
    )
    services.update_draft(
        version=draft,
        guide=make_guide(promised_limit=Decimal(5), change_note="承诺时限由10个工作日压缩为5个工作日"),
        by=people.editor,
    )
    services.submit(version=draft, by=people.editor)
    services.legal_approve(version=draft, by=people.legal)
    services.reform_approve(version=draft, by=people.reform)
    versions = client.get(f"/api/v1/items/{food.impl_code}/versions").json()
    assert [(v["version"], v["promised"], v["current"]) for v in versions] == [
        (2, "5个工作日", True),
        (1, "10个工作日", False),
    ]
    assert versions[0]["change_note"] == "承诺时限由10个工作日压缩为5个工作日"
    assert client.get(f"/api/v1/items/{food.impl_code}").json()["version"] == 2


def test_a_draft_is_not_public(client: Client, people) -> None:
    draft = services.create_item(
        organisation=people.base.market, basic_code="X", guide=make_guide(), by=people.editor
    )
    assert client.get(f"/api/v1/items/{draft.item.impl_code}").status_code == 404
    assert client.get("/api/v1/items").json()["count"] == 0
