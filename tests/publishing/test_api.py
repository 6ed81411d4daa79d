"""GET /api/v1/publications (search, filters, pages) and GET /api/v1/publications/{index_number}."""

from __future__ import annotations

import pytest

from tests.publishing.conftest import normative
from tests.publishing.test_attachments import docx_file
from yimen.publishing.models import Kind
from yimen.publishing.services import publications

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(desk):
    rule = desk.published()
    news = desk.published("gzdt", title="我中心召开营商环境座谈会", kind=Kind.NEWS, document_number="")
    other = desk.published("gzdt", title="我中心开展营商环境宣传", kind=Kind.NEWS, document_number="")
    return rule, news, other


def test_the_list_is_newest_first_and_filters(client, desk, three) -> None:
    rule, news, other = three
    body = client.get("/api/v1/publications").json()
    assert body["count"] == 3 and body["count_is_estimate"] is False
    assert [p["title"] for p in body["publications"]] == [other.title, news.title, rule.title]
    row = body["publications"][2]
    assert row["index_number"] == rule.index_number
    assert row["document_number"] == "咸政务发〔2024〕5号"
    assert row["kind_label"] == "行政规范性文件" and row["validity_label"] == "有效"
    assert row["url"] == f"http://testserver/open/{rule.pk}/"
    assert row["api_url"] == f"http://testserver/api/v1/publications/{rule.index_number}"
    by_kind = client.get("/api/v1/publications", {"kind": "normative"}).json()
    assert [p["title"] for p in by_kind["publications"]] == [rule.title]
    by_node = client.get(
        "/api/v1/publications", {"organisation": desk.base.centre.code, "node": "gzdt"}
    ).json()
    assert by_node["count"] == 2


def test_a_query_searches_and_pages(client, three) -> None:
    _, news, other = three
    found = client.get("/api/v1/publications", {"q": "营商环境", "sort": "date"}).json()
    assert [p["title"] for p in found["publications"]] == [other.title, news.title]
    first = client.get("/api/v1/publications", {"q": "营商环境", "sort": "date", "page_size": 1}).json()
    second = client.get(
        "/api/v1/publications", {"q": "营商环境", "sort": "date", "page_size": 1, "page": 2}
    ).json()
    assert first["count"] == second["count"] == 2
    assert [p["title"] for p in first["publications"] + second["publications"]] == [other.title, news.title]
    by_number = client.get("/api/v1/publications", {"q": "咸政务发[2024]5号"}).json()
    assert [p["document_number"] for p in by_number["publications"]] == ["咸政务发〔2024〕5号"]


def test_bad_filters_are_refused_in_chinese(client, desk) -> None:
    response = client.get("/api/v1/publications", {"kind": "poem", "page": 0})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"kind", "page"}
    assert "类别" in response.json()["fields"]["kind"][0]
    missing = client.get("/api/v1/publications", {"organisation": "NOSUCH"})
    assert missing.status_code == 404 and "NOSUCH" in missing.json()["message"]


def test_one_publication_by_its_index_number_with_attachments(client, desk) -> None:
    draft = publications.create_draft(
        by=desk.base.officer,
        node=desk.nodes["zcwj-gfxwj"],
        fields=normative(),
        files=[docx_file("附件正文", name="办理时限表.docx")],
    )
    publications.submit(publication=draft, by=desk.base.officer)
    published = publications.approve(publication=draft, by=desk.base.head)
    body = client.get(f"/api/v1/publications/{published.index_number}").json()
    assert body["title"] == published.title and body["state"] == "published"
    assert body["body"].startswith("<p>各进驻单位：</p>")
    attachment = published.attachments.get()
    assert body["attachments"] == [
        {
            "name": "办理时限表.docx",
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "url": f"http://testserver/open/{published.pk}/files/{attachment.pk}/",
        }
    ]
    assert client.get(body["attachments"][0]["url"]).status_code == 200


def test_a_withdrawn_publication_says_so_and_why(client, desk) -> None:
    published = desk.published()
    publications.withdraw(publication=published, by=desk.base.head, reason="已被新文件替代")
    body = client.get(f"/api/v1/publications/{published.index_number}").json()
    assert body["state"] == "withdrawn"
    assert body["withdrawn_reason"] == "已被新文件替代"
    assert body["body"] == "" and body["attachments"] == []
    assert client.get("/api/v1/publications").json()["count"] == 0


def test_an_unknown_index_number_is_a_404_in_chinese(client, desk) -> None:
    response = client.get("/api/v1/publications/XXX/2024-00001")
    assert response.status_code == 404
    assert response.json()["message"] == "没有索引号为 XXX/2024-00001 的公开信息"
