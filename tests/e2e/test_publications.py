"""A citizen searches the published information, narrows the hits with facets, opens a document,
downloads its attachment and subscribes to the feed of its catalogue node."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import docx
import pytest
from playwright.sync_api import expect

from tests.publishing.conftest import make_desk, normative
from tests.publishing.test_attachments import docx_file
from yimen.publishing import search
from yimen.publishing.models import Kind
from yimen.publishing.services import publications

pytestmark = pytest.mark.browser


@pytest.fixture
def flood_documents(transactional_db, cast) -> Iterator[str]:
    """A 规范性文件 with a DOCX attachment and a news item, both about 防汛; the index starts and ends
    empty (it is not a model, so transactional tests do not empty it). Yields the centre's code."""
    search.clear()
    desk = make_desk(cast, [])
    draft = publications.create_draft(
        by=cast.officer,
        node=desk.nodes["zcwj-gfxwj"],
        fields=normative(
            title="咸宁市政务服务中心防汛应急工作规程",
            document_number="咸政务规〔2024〕3号",
            body="<p>为做好汛期政务服务保障工作，制定本规程。</p>",
        ),
        files=[docx_file("防汛物资储备清单：编织袋二十万条。", "防汛物资储备清单.docx")],
    )
    publications.submit(publication=draft, by=cast.officer)
    publications.approve(publication=draft, by=cast.head)
    desk.published("gzdt", title="中心开展防汛应急演练", kind=Kind.NEWS, document_number="")
    yield cast.centre.code
    search.clear()


def test_search_narrow_open_download_and_subscribe(
    live_server, flood_documents, page, page_log, tmp_path
) -> None:
    page.goto(f"{live_server.url}/open/search/")
    page.get_by_test_id("publication-search").fill("防汛")
    page.get_by_role("button", name="检索").click()
    expect(page.get_by_test_id("result-count")).to_contain_text("“防汛”：共找到 2 条信息")
    expect(page.get_by_test_id("hits").locator("mark").first).to_have_text("防汛")

    # Narrow to the organisation, then to its 行政规范性文件 node.
    facets = page.get_by_role("complementary", name="筛选")
    facets.get_by_role("link", name="咸宁市政务服务中心").click()
    facets.get_by_role("link", name="行政规范性文件").first.click()
    expect(page.get_by_test_id("result-count")).to_contain_text("共找到 1 条信息")
    hit = page.get_by_test_id("hits").locator("li").first
    expect(hit).to_contain_text("咸政务规〔2024〕3号")
    expect(hit.locator(".snippet")).to_contain_text("防汛物资储备清单")

    # The feed of what is being looked at: this organisation's 行政规范性文件.
    feed_url = page.get_by_test_id("feed-rss").get_attribute("href")
    assert feed_url == f"/open/feeds/{flood_documents}/zcwj-gfxwj/rss.xml"
    feed = page.request.get(f"{live_server.url}{feed_url}")
    assert feed.status == 200 and feed.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(feed.body()).find("channel")
    assert channel is not None
    assert [item.findtext("title") for item in channel.iter("item")] == ["咸宁市政务服务中心防汛应急工作规程"]

    # Open the document and download its attachment.
    hit.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("咸宁市政务服务中心防汛应急工作规程")
    with page.expect_download() as download_info:
        page.get_by_test_id("attachments").get_by_role("link", name="防汛物资储备清单.docx").click()
    download = download_info.value
    assert download.suggested_filename == "防汛物资储备清单.docx"
    saved = tmp_path / "attachment.docx"
    download.save_as(saved)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(saved.read_bytes())).paragraphs)
    assert "编织袋二十万条" in text
    page_log.assert_clean(live_server.url)
