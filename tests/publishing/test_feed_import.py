"""上级动态: higher-level portals' RSS and Atom feeds are fetched by the worker through the outbox (here
from a local HTTP server on 127.0.0.1), de-duplicated, cleaned and shown in the block; a broken feed is
noted and tried again later without stopping the others. Feeds are hostile input: any encoding (GB2312,
GBK), RSS 1.0, entity bombs and external entities refused, every failure recorded on its own source."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.utils import timezone

from yimen.core import events
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.core.models import AuditEntry, OutboxMessage, OutboxStatus
from yimen.publishing import feed_import
from yimen.publishing.events import FETCH
from yimen.publishing.models import FeedEntry, FeedSource

pytestmark = pytest.mark.django_db

NOT_A_FEED = "既不是 RSS 也不是 Atom（地址可能已变更，或对方网站已改版）"
REFUSED = "订阅源声明了 XML 实体或引用外部实体，已拒绝（防止实体膨胀和外部实体攻击）"

STATE_COUNCIL_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>中国政府网</title>
<item><title>国务院常务会议研究&lt;b&gt;优化营商环境&lt;/b&gt;措施</title><link>https://www.gov.cn/a/1.htm</link>
  <guid>gov-1</guid><pubDate>Mon, 20 May 2024 09:30:00 +0800</pubDate>
  <description>&lt;p&gt;会议指出，要&lt;script&gt;x()&lt;/script&gt;持续优化营商环境。&lt;/p&gt;</description></item>
<item><title>国务院办公厅关于做好防汛工作的通知</title><link>https://www.gov.cn/a/2.htm</link>
  <guid>gov-2</guid><pubDate>Tue, 21 May 2024 10:00:00 +0800</pubDate></item>
<item><title>不安全的链接</title><link>javascript:alert(1)</link><guid>gov-3</guid></item>
</channel></rss>"""
PROVINCE_ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>湖北省人民政府</title>
<entry><title>省政府召开常务会议</title><id>tag:hubei.gov.cn,2024:9</id>
  <link rel="alternate" href="https://www.hubei.gov.cn/b/9.shtml"/><updated>2024-05-22T08:00:00+08:00</updated>
  <summary>研究部署全省重点工作。</summary></entry>
<entry><title>转载：国务院常务会议研究优化营商环境措施</title><id>tag:hubei.gov.cn,2024:10</id>
  <link href="https://www.gov.cn/a/1.htm"/><updated>2024-05-20T12:00:00+08:00</updated></entry>
</feed>"""


# A city portal's feed in GB2312 as many still are, with characters only GBK has (堃, 喆).
CITY_GBK_RSS = """<?xml version="1.0" encoding="GB2312"?>
<rss version="2.0"><channel><title>咸宁市人民政府</title>
<item><title>王堃副市长调研政务服务中心</title><link>http://www.xianning.gov.cn/c/1.shtml</link>
  <guid>xn-1</guid><pubDate>Thu, 23 May 2024 16:00:00 +0800</pubDate><description>李喆主持会议。</description></item>
</channel></rss>""".encode("gbk")
STATE_COUNCIL_RDF = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://www.gov.cn/"><title>国务院公报</title><link>https://www.gov.cn/</link>
  <description>公报</description>
  <items><rdf:Seq><rdf:li rdf:resource="https://www.gov.cn/gongbao/7.htm"/></rdf:Seq></items></channel>
<item rdf:about="https://www.gov.cn/gongbao/7.htm"><title>国务院公报2024年第15号</title>
  <link>https://www.gov.cn/gongbao/7.htm</link><dc:date>2024-05-24T09:00:00+08:00</dc:date>
  <description>本期目录。</description></item>
</rdf:RDF>"""
HTML_PAGE = "<!doctype html><html><head><title>网站改版</title></head><body><p>页面已迁移</p></body></html>"
LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{n} "{("&lol%s;" % (n - 1 or "")) * 10}">' for n in range(1, 10)
)
BOMB = f'<?xml version="1.0"?><!DOCTYPE rss [{LAUGHS}]><rss version="2.0"><channel><item><title>&lol9;</title><link>https://a.cn/1</link></item></channel></rss>'


def _external(target: str) -> str:
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{target}">]>'
        '<rss version="2.0"><channel><item><title>&xxe;</title><link>https://a.cn/2</link></item></channel></rss>'
    )


class Portal(BaseHTTPRequestHandler):
    """Serves /gov.xml (RSS, with an ETag), /hubei.xml (Atom), /broken.xml (500), /dtd.xml, the GBK,
    RSS 1.0 and hostile feeds below, and /secret (which no feed may make us fetch)."""

    requests: list[tuple[str, str]] = []

    def do_GET(self) -> None:
        Portal.requests.append((self.path, self.headers.get("If-None-Match", "")))
        if self.path == "/gov.xml" and self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        here = f"http://127.0.0.1:{self.server.server_address[1]}"
        utf8 = "application/xml; charset=utf-8"
        body, status, content_type = {
            "/gov.xml": (STATE_COUNCIL_RSS, 200, utf8),
            "/hubei.xml": (PROVINCE_ATOM, 200, utf8),
            "/dtd.xml": ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss/>', 200, utf8),
            "/city-gbk.xml": (CITY_GBK_RSS, 200, "text/xml"),
            "/city-gbk-said-utf8.xml": (CITY_GBK_RSS, 200, utf8),  # a server's default, not the file's
            "/gongbao.rdf": (STATE_COUNCIL_RDF, 200, "application/rdf+xml"),
            "/moved.xml": (HTML_PAGE, 200, "text/html; charset=utf-8"),
            "/bomb.xml": (BOMB, 200, utf8),
            "/bomb-gbk.xml": (BOMB.replace('"1.0"', '"1.0" encoding="GBK"').encode("gbk"), 200, "text/xml"),
            "/bomb-malformed.xml": (BOMB.replace("?>", "?>x", 1), 200, utf8),
            "/xxe-http.xml": (_external(f"{here}/secret"), 200, utf8),
            "/xxe-file.xml": (_external("file:///etc/passwd"), 200, utf8),
            "/dtd-external.xml": (
                STATE_COUNCIL_RSS.replace("<rss", f'<!DOCTYPE rss SYSTEM "{here}/secret"><rss', 1),
                200,
                utf8,
            ),
            "/secret": ("机密", 200, "text/plain; charset=utf-8"),
        }.get(self.path, ("error", 500, utf8))
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if self.path == "/gov.xml":
            self.send_header("ETag", '"v1"')
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def portal() -> Iterator[str]:
    Portal.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _work(now=None) -> None:
    """One pass of the worker, as `yimen worker --once` does it."""
    events.run_once(now=now)


def test_the_worker_imports_rss_and_atom_and_the_block_shows_them(cast, portal) -> None:
    feed_import.add_source(by=cast.admin, name="中国政府网", url=f"{portal}/gov.xml", level="国务院")
    feed_import.add_source(by=cast.admin, name="湖北省人民政府", url=f"{portal}/hubei.xml", level="省")
    _work()
    titles = list(FeedEntry.objects.order_by("-published_at").values_list("title", flat=True))
    assert titles == [
        "省政府召开常务会议",
        "国务院办公厅关于做好防汛工作的通知",
        "国务院常务会议研究优化营商环境措施",  # markup stripped; the province's repost of it is not kept
    ]
    entry = FeedEntry.objects.get(guid="gov-1")
    assert entry.summary == "会议指出，要持续优化营商环境。"
    assert entry.link == "https://www.gov.cn/a/1.htm"
    assert timezone.localtime(entry.published_at).isoformat() == "2024-05-20T09:30:00+08:00"
    html = Template("{% load publishing_feeds %}{% upper_news_block %}").render(Context())
    assert html.index("省政府召开常务会议") < html.index("国务院办公厅关于做好防汛工作的通知")
    assert 'href="https://www.hubei.gov.cn/b/9.shtml"' in html and "javascript:" not in html
    assert "湖北省人民政府 · 05-22" in html


def test_each_source_is_fetched_again_later_and_nothing_is_stored_twice(cast, portal) -> None:
    source = feed_import.add_source(by=cast.admin, name="中国政府网", url=f"{portal}/gov.xml", level="国务院")
    _work()
    assert FeedEntry.objects.count() == 2
    waiting = OutboxMessage.objects.get(name=FETCH.name, status=OutboxStatus.PENDING)
    assert waiting.payload == {"source": source.pk}
    assert waiting.available_at - timezone.now() > timedelta(minutes=59)
    _work()  # not due yet: nothing fetched
    assert len(Portal.requests) == 1
    later = timezone.now() + timedelta(minutes=61)
    _work(now=later)
    assert Portal.requests[-1] == ("/gov.xml", '"v1"')  # a conditional GET, answered 304
    FeedSource.objects.filter(pk=source.pk).update(etag="")
    feed_import.fetch(FeedSource.objects.get(pk=source.pk))  # read in full again: the same two entries
    assert FeedEntry.objects.count() == 2


def test_a_broken_feed_is_noted_and_does_not_stop_the_others(cast, portal) -> None:
    broken = feed_import.add_source(by=cast.admin, name="某市门户", url=f"{portal}/broken.xml", level="市")
    dtd = feed_import.add_source(by=cast.admin, name="带 DTD 的源", url=f"{portal}/dtd.xml", level="市")
    down = feed_import.add_source(
        by=cast.admin, name="无法连接", url="http://127.0.0.1:9/feed.xml", level="市"
    )
    good = feed_import.add_source(by=cast.admin, name="中国政府网", url=f"{portal}/gov.xml", level="国务院")
    _work()
    for source in (broken, dtd, down, good):
        source.refresh_from_db()
        assert source.last_fetched_at is not None
    assert broken.last_error == "HTTP 500"
    assert dtd.last_error == REFUSED
    assert down.last_error.startswith("无法连接")
    assert good.last_error == "" and good.entries.count() == 2
    assert OutboxMessage.objects.filter(name=FETCH.name, status=OutboxStatus.PENDING).count() == 4
    assert not OutboxMessage.objects.filter(status=OutboxStatus.DEAD).exists()


def test_a_source_switched_off_is_no_longer_fetched_and_schedules_are_repaired(cast, portal) -> None:
    source = feed_import.add_source(by=cast.admin, name="中国政府网", url=f"{portal}/gov.xml", level="国务院")
    FeedSource.objects.filter(pk=source.pk).update(is_active=False)
    _work()
    assert Portal.requests == []
    assert not OutboxMessage.objects.filter(name=FETCH.name, status=OutboxStatus.PENDING).exists()
    FeedSource.objects.filter(pk=source.pk).update(is_active=True)
    assert feed_import.ensure_scheduled() == 1
    assert feed_import.ensure_scheduled() == 0  # one waiting fetch per source, never two
    _work()
    assert FeedEntry.objects.count() == 2


def test_adding_a_source_is_for_administrators_and_checks_the_address(cast) -> None:
    with pytest.raises(NotPermitted):
        feed_import.add_source(
            by=cast.clerk, name="中国政府网", url="https://www.gov.cn/rss.xml", level="国务院"
        )
    with pytest.raises(ApplicationError) as refused:
        feed_import.add_source(by=cast.admin, name="", url="ftp://example.org/feed", level="省")
    assert refused.value.fields == {
        "name": ["名称：必须填写"],
        "url": ["地址：应为 http:// 或 https:// 开头的订阅地址"],
    }
    feed_import.add_source(by=cast.head, name="中国政府网", url="https://www.gov.cn/rss.xml", level="国务院")
    assert AuditEntry.objects.filter(action="publishing.feed_source_added").count() == 1


def test_the_feeds_command_fetches_now_and_schedules(cast, portal) -> None:
    from io import StringIO

    from django.core.management import call_command

    FeedSource.objects.create(name="中国政府网", url=f"{portal}/gov.xml", level="国务院")
    FeedSource.objects.create(name="某市门户", url=f"{portal}/broken.xml", level="市")
    out = StringIO()
    call_command("feeds", "fetch", stdout=out)
    assert out.getvalue().splitlines() == ["中国政府网：新增 2 条", "某市门户：失败：HTTP 500"]
    call_command("feeds", "schedule", stdout=out)
    assert out.getvalue().splitlines()[-1] == "已安排 2 个来源的抓取"


def test_a_source_added_in_the_admin_is_fetched_by_the_worker(cast, client, portal) -> None:
    cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    response = client.post(
        "/admin/publishing/feedsource/add/",
        {"name": "中国政府网", "url": f"{portal}/gov.xml", "level": "国务院", "is_active": "on"},
    )
    assert response.status_code == 302
    source = FeedSource.objects.get(name="中国政府网")
    waiting = OutboxMessage.objects.get(name=FETCH.name, status=OutboxStatus.PENDING)
    assert waiting.payload == {"source": source.pk}
    assert AuditEntry.objects.filter(action="publishing.feedsource.created").count() == 1
    _work()  # no `yimen feeds schedule` in between
    assert source.entries.count() == 2
    client.post(  # saved again: still one waiting fetch, never two
        f"/admin/publishing/feedsource/{source.pk}/change/",
        {"name": "中国政府网", "url": f"{portal}/gov.xml", "level": "国务院", "is_active": "on"},
    )
    assert OutboxMessage.objects.filter(name=FETCH.name, status=OutboxStatus.PENDING).count() == 1


# --- Hostile input -------------------------------------------------------------------------------


def _fetch_all() -> list[str]:
    out = StringIO()
    call_command("feeds", "fetch", stdout=out)
    return out.getvalue().splitlines()


def test_a_gbk_feed_is_read_and_the_sources_after_it_are_fetched_too(portal) -> None:
    FeedSource.objects.create(name="咸宁市人民政府", url=f"{portal}/city-gbk.xml", level="市")
    FeedSource.objects.create(
        name="咸宁市（服务器声明 UTF-8）", url=f"{portal}/city-gbk-said-utf8.xml", level="市"
    )
    FeedSource.objects.create(name="中国政府网", url=f"{portal}/gov.xml", level="国务院")
    assert _fetch_all() == [
        "咸宁市人民政府：新增 1 条",
        "咸宁市（服务器声明 UTF-8）：新增 0 条",
        "中国政府网：新增 2 条",
    ]
    entry = FeedEntry.objects.get(guid="xn-1")
    assert (entry.title, entry.summary) == ("王堃副市长调研政务服务中心", "李喆主持会议。")
    assert timezone.localtime(entry.published_at).isoformat() == "2024-05-23T16:00:00+08:00"
    assert not FeedSource.objects.filter(failures__gt=0).exists()


def test_a_gbk_feed_fetched_by_the_worker_is_read_and_rescheduled_never_dead(cast, portal) -> None:
    feed_import.add_source(by=cast.admin, name="咸宁市人民政府", url=f"{portal}/city-gbk.xml", level="市")
    feed_import.add_source(by=cast.admin, name="中国政府网", url=f"{portal}/gov.xml", level="国务院")
    assert _work_all() == (2, 0)
    assert FeedEntry.objects.count() == 3
    assert OutboxMessage.objects.filter(name=FETCH.name, status=OutboxStatus.PENDING).count() == 2


def test_rss_1_0_is_read(portal) -> None:
    FeedSource.objects.create(name="国务院公报", url=f"{portal}/gongbao.rdf", level="国务院")
    assert _fetch_all() == ["国务院公报：新增 1 条"]
    entry = FeedEntry.objects.get()
    assert (entry.title, entry.link, entry.summary) == (
        "国务院公报2024年第15号",
        "https://www.gov.cn/gongbao/7.htm",
        "本期目录。",
    )
    assert entry.guid == "https://www.gov.cn/gongbao/7.htm"
    assert timezone.localtime(entry.published_at).isoformat() == "2024-05-24T09:00:00+08:00"


def test_a_broken_feed_is_recorded_on_its_source_and_the_good_one_after_it_is_read(portal) -> None:
    moved = FeedSource.objects.create(name="某市门户", url=f"{portal}/moved.xml", level="市")
    FeedSource.objects.create(name="湖北省人民政府", url=f"{portal}/hubei.xml", level="省")
    assert _fetch_all() == [f"某市门户：失败：{NOT_A_FEED}", "湖北省人民政府：新增 2 条"]
    moved.refresh_from_db()
    assert (moved.failures, moved.last_error, moved.state) == (
        1,
        NOT_A_FEED,
        "连续 1 次抓取失败",
    )
    first_error_at = moved.last_error_at
    assert first_error_at is not None

    _fetch_all()
    moved.refresh_from_db()
    assert moved.failures == 2 and moved.last_error_at > first_error_at

    FeedSource.objects.filter(pk=moved.pk).update(url=f"{portal}/gov.xml")  # the administrator corrects it
    _fetch_all()
    moved.refresh_from_db()
    assert (moved.failures, moved.state) == (0, "正常")
    assert moved.last_error == NOT_A_FEED  # kept, with its time, for the record


@pytest.mark.parametrize(
    "path", ["/bomb.xml", "/bomb-gbk.xml", "/bomb-malformed.xml", "/xxe-http.xml", "/xxe-file.xml"]
)
def test_entity_bombs_and_external_entities_are_refused_before_anything_is_expanded_or_fetched(
    portal, path: str
) -> None:
    hostile = FeedSource.objects.create(name="恶意订阅源", url=f"{portal}{path}", level="市")
    FeedSource.objects.create(name="中国政府网", url=f"{portal}/gov.xml", level="国务院")
    started = time.monotonic()
    assert _fetch_all() == [f"恶意订阅源：失败：{REFUSED}", "中国政府网：新增 2 条"]
    assert time.monotonic() - started < 5
    hostile.refresh_from_db()
    assert hostile.failures == 1 and not hostile.entries.exists()
    assert "/secret" not in [requested for requested, _ in Portal.requests]


def test_an_external_dtd_is_never_fetched(portal) -> None:
    FeedSource.objects.create(name="中国政府网", url=f"{portal}/dtd-external.xml", level="国务院")
    assert _fetch_all() == ["中国政府网：新增 2 条"]
    assert [requested for requested, _ in Portal.requests] == ["/dtd-external.xml"]


def test_a_feed_that_makes_the_parser_fail_is_recorded_on_its_source_only(cast, portal, monkeypatch) -> None:
    real = feed_import.feedparser.parse

    def fails_on_the_province(document, **kwargs):
        if "湖北省人民政府".encode() in document.getvalue():
            raise RuntimeError("解析器内部错误")
        return real(document, **kwargs)

    monkeypatch.setattr(feed_import.feedparser, "parse", fails_on_the_province)
    province = feed_import.add_source(
        by=cast.admin, name="湖北省人民政府", url=f"{portal}/hubei.xml", level="省"
    )
    feed_import.add_source(by=cast.admin, name="中国政府网", url=f"{portal}/gov.xml", level="国务院")
    assert _work_all() == (2, 0)
    province.refresh_from_db()
    assert province.last_error == "读取失败（RuntimeError）：解析器内部错误" and province.failures == 1
    assert FeedEntry.objects.count() == 2
    assert OutboxMessage.objects.filter(name=FETCH.name, status=OutboxStatus.PENDING).count() == 2


def test_the_administrator_sees_which_sources_fail_where_sources_are_managed(cast, client, portal) -> None:
    FeedSource.objects.create(name="某市门户", url=f"{portal}/moved.xml", level="市")
    FeedSource.objects.create(name="中国政府网", url=f"{portal}/gov.xml", level="国务院")
    _fetch_all()
    cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    page = client.get("/admin/publishing/feedsource/").content.decode()
    assert "连续 1 次抓取失败" in page and NOT_A_FEED in page and "正常" in page
    failing = client.get("/admin/publishing/feedsource/?failing=yes").content.decode()
    assert "某市门户" in failing and "中国政府网" not in failing


def _work_all() -> tuple[int, int]:
    """Every fetch that is due now, as the worker delivers them."""
    return events.run_once()
