"""RSS and Atom feeds of the publications: everything, one organisation's, one catalogue node's (with
the nodes under it); newest first; a withdrawn item leaves them; the search page links to them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from yimen.publishing.models import Kind
from yimen.publishing.services import publications

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _rss_titles(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert channel is not None
    return [item.findtext("title") or "" for item in channel.iter("item")]


def test_an_organisation_feed_lists_its_publications_newest_first(desk, client) -> None:
    first = desk.published()
    second = desk.published("gzdt", title="我中心召开营商环境座谈会", kind=Kind.NEWS, document_number="")
    url = f"/open/feeds/{desk.base.centre.code}/rss.xml"
    assert _rss_titles(client, url) == [second.title, first.title]
    channel = ET.fromstring(client.get(url).content).find("channel")
    assert channel is not None
    assert channel.findtext("title") == "咸宁市政务服务中心 · 政务公开"
    item = channel.find("item")
    assert item is not None
    assert item.findtext("link") == f"http://testserver/open/{second.pk}/"
    assert item.findtext("guid") == second.index_number
    assert [c.text for c in item.iter("category")] == ["工作动态", "工作动态"]


def test_a_node_feed_holds_its_own_and_its_childrens_items(desk, client) -> None:
    normative = desk.published()  # 政策文件 › 行政规范性文件
    desk.published("gzdt", title="工作动态一则", kind=Kind.NEWS, document_number="")
    code = desk.base.centre.code
    assert _rss_titles(client, f"/open/feeds/{code}/zcwj/rss.xml") == [normative.title]
    assert _rss_titles(client, f"/open/feeds/{code}/zcwj-gfxwj/rss.xml") == [normative.title]
    assert client.get(f"/open/feeds/{code}/nosuch/rss.xml").status_code == 404
    assert client.get("/open/feeds/NOSUCH/rss.xml").status_code == 404


def test_the_atom_feed_has_entries_with_tag_ids(desk, client) -> None:
    published = desk.published()
    response = client.get(f"/open/feeds/{desk.base.centre.code}/atom.xml")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entry = feed.find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}title") == published.title
    assert (entry.findtext(f"{ATOM}id") or "").startswith("tag:testserver,")
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "咸宁市政务服务中心"


def test_a_withdrawn_item_leaves_the_feed(desk, client) -> None:
    published = desk.published()
    assert _rss_titles(client, "/open/feeds/rss.xml") == [published.title]
    publications.withdraw(publication=published, by=desk.base.head, reason="内容有误")
    assert _rss_titles(client, "/open/feeds/rss.xml") == []


def test_the_search_page_offers_the_feed_of_what_is_narrowed_to(desk, client) -> None:
    desk.published()
    code = desk.base.centre.code
    page = client.get("/open/search/", {"q": "办理时限", "org": code}).content.decode()
    assert f'href="/open/feeds/{code}/rss.xml"' in page
    assert f'type="application/rss+xml" title="RSS" href="/open/feeds/{code}/rss.xml"' in page
    page = client.get("/open/search/", {"org": code, "node": "gzdt"}).content.decode()
    assert f'href="/open/feeds/{code}/gzdt/atom.xml"' in page
