"""sitemap.xml: an index of lists holding the portal's pages, the service guides and every published
publication (not drafts, not withdrawn ones), each list at most 50,000 addresses."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from yimen.portal import sitemap_views
from yimen.publishing.services import publications

pytestmark = pytest.mark.django_db
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _locations(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return [loc.text or "" for loc in ET.fromstring(response.content).iter(f"{NS}loc")]


def test_the_sitemap_index_lists_pages_and_publication_lists(desk, client) -> None:
    desk.published()
    assert _locations(client, "/sitemap.xml") == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-publications-0.xml",
    ]
    pages = _locations(client, "/sitemap-pages.xml")
    assert "http://testserver/" in pages
    assert f"http://testserver/open/org/{desk.base.centre.code}/guide/" in pages


def test_published_publications_are_listed_but_not_drafts_or_withdrawn_ones(desk, client) -> None:
    kept, withdrawn = desk.published(), desk.published(document_number="咸政务发〔2024〕6号")
    draft = desk.draft()
    publications.withdraw(publication=withdrawn, by=desk.base.head, reason="已废止")
    assert _locations(client, "/sitemap-publications-0.xml") == [f"http://testserver/open/{kept.pk}/"]
    assert draft.pk not in (kept.pk, withdrawn.pk)


def test_publications_are_cut_into_lists_by_id_range(desk, client, monkeypatch) -> None:
    monkeypatch.setattr(sitemap_views, "CHUNK", 2)
    published = [desk.published(document_number=f"咸政务发〔2024〕{n}号") for n in range(1, 4)]
    index = _locations(client, "/sitemap.xml")
    chunks = sorted({p.pk // 2 for p in published})
    assert index[1:] == [f"http://testserver/sitemap-publications-{n}.xml" for n in chunks]
    listed = [url for n in chunks for url in _locations(client, f"/sitemap-publications-{n}.xml")]
    assert listed == [f"http://testserver/open/{p.pk}/" for p in published]
    assert client.get("/sitemap-publications-999.xml").status_code == 404
    assert client.get("/sitemap-other-1.xml").status_code == 404


def test_public_service_guides_are_listed(people, client) -> None:
    from tests.catalog.conftest import make_guide
    from yimen.catalog import services as catalog

    version = catalog.create_item(
        organisation=people.base.market, basic_code="00000001", guide=make_guide(), by=None
    )
    catalog.publish_directly(version)
    index = _locations(client, "/sitemap.xml")
    assert "http://testserver/sitemap-guides-0.xml" in index
    assert _locations(client, "/sitemap-guides-0.xml") == [
        f"http://testserver/guide/{version.item.impl_code}/"
    ]
