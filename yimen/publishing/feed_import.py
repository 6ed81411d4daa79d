"""上级动态: news from the State Council's, the province's and the city's portals, read from their RSS or
Atom feeds by the worker and shown in a block on the portal.

Each active `FeedSource` has one `feeds.fetch` event waiting in the outbox; the worker's handler fetches
the feed (conditional GET with ETag / Last-Modified, a size and time limit), stores new entries and
puts the next fetch in the outbox `FETCH_MINUTES` later. Entries are de-duplicated by their guid
within a source and by their link across sources (a State Council item republished by the province is
shown once). Only http(s) links are kept; titles and summaries are stored as plain text.

A feed is input from outside and treated as hostile (GB/T 22239-2019 8.1.4.4 d, 数据有效性检验): it is
decoded whatever its encoding (GB2312 and GBK as GB18030, their superset), refused when it declares
XML entities (entity bombs, external entities: checked with defusedxml), and read by `feedparser`
(RSS 0.9x, 1.0 (RDF) and 2.0, Atom). Whatever goes wrong with one source — its server, its bytes, the
parser — is recorded on that source (`last_error`, `last_error_at`, `failures` in a row), shown to the
administrator where sources are managed, and tried again at the next turn; it never stops the others
nor sends the fetch into the dead letters.
"""

from __future__ import annotations

import codecs
import html
import io
import logging
import re
import time
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import defusedxml
import defusedxml.ElementTree
import feedparser
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from yimen.core import audit, events
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.core.models import OutboxMessage, OutboxStatus
from yimen.org.models import Staff
from yimen.org.permissions import can
from yimen.publishing.events import FETCH, FeedFetch
from yimen.publishing.models import FeedEntry, FeedSource

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 10
KEEP_PER_SOURCE = 200
SUMMARY_CHARACTERS = 500
USER_AGENT = "Yimen-FeedReader/1.0"  # HTTP headers are Latin-1
ERROR_CHARACTERS = 300
ENTITIES_REFUSED = "订阅源声明了 XML 实体或引用外部实体，已拒绝（防止实体膨胀和外部实体攻击）"
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_DECLARATION_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?\bencoding\s*=\s*)["'][^"']*["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # PostgreSQL refuses NUL in text
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAG = re.compile(r"<\s*/?\s*(p|br|div|li|tr|td|h[1-6])\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def fetch_minutes() -> int:
    return int(settings.YIMEN["FEED_FETCH_MINUTES"])


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    link: str
    summary: str
    published_at: datetime


class FeedError(Exception):
    """A feed that cannot be read: the message is stored on the source for the administrator."""


def _plain(value: str | None, limit: int) -> str:
    """Text without markup or entities, on one line, at most `limit` characters."""
    markup = _SCRIPT.sub("", html.unescape(_CONTROL.sub("", value or "")))
    text = html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", markup)))
    return " ".join(text.split())[:limit]


def _web_link(value: str | None) -> str:
    value = (value or "").strip()
    return value if urlsplit(value).scheme in ("http", "https") and len(value) <= 500 else ""


def _date(value: time.struct_time | None) -> datetime | None:
    """feedparser's dates are struct_time in UTC."""
    return datetime(*value[:6], tzinfo=UTC) if value else None


def decode(data: bytes, content_type: str = "") -> str:
    """The feed as text. Tried in turn: a byte order mark; the encoding the document declares (portals'
    web servers often send a default charset the file does not use); the HTTP charset; UTF-8; GB18030.
    GB2312 and GBK are read as GB18030, their superset, since feeds declared GB2312 carry GBK characters."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", "replace")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data.decode("utf-16", "replace")
    declared = _DECLARED.match(data)
    charset = _CHARSET.search(content_type)
    tried = []
    for name in (declared and declared[1].decode(), charset and charset[1], "utf-8", "gb18030"):
        try:
            codec = codecs.lookup(name).name if name else ""
        except LookupError:
            continue
        codec = "gb18030" if codec in ("gb2312", "gbk") else codec
        if not codec or codec in tried:
            continue
        tried.append(codec)
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise FeedError(f"无法识别订阅源的字符编码（已按 {'、'.join(tried)} 尝试）")


def _refuse_entities(document: bytes) -> None:
    """Refuse a feed that declares XML entities or reaches for external ones (billion laughs, XXE): no
    feed needs them. defusedxml stops at the declaration, before anything is expanded or fetched."""
    try:
        defusedxml.ElementTree.fromstring(document)
    except defusedxml.DefusedXmlException as exc:
        raise FeedError(ENTITIES_REFUSED) from exc
    except ET.ParseError:
        # Not well-formed: feedparser reads it leniently, but never with an entity declaration in it.
        if _ENTITY_DECLARATION.search(document):
            raise FeedError(ENTITIES_REFUSED) from None


def parse(data: bytes, *, content_type: str = "", url: str = "") -> list[Entry]:
    """The entries of an RSS (0.9x, 1.0, 2.0) or Atom document, in any encoding; relative links are
    read against `url`, the feed's address."""
    text = decode(data, content_type).lstrip("\ufeff")
    document = _DECLARATION_ENCODING.sub(r'\1"utf-8"', text, count=1).encode("utf-8")
    _refuse_entities(document)
    # A stream, never bytes or a string: feedparser would read those as a file name or fetch them as a URL.
    result = feedparser.parse(
        io.BytesIO(document), response_headers={"content-type": "application/xml; charset=utf-8"}
    )
    if not result.get("version"):
        raise FeedError("既不是 RSS 也不是 Atom（地址可能已变更，或对方网站已改版）")
    now = timezone.now()
    entries = []
    for item in result.entries:
        content = item.get("content") or [{}]
        published = item.get("published_parsed") or item.get("updated_parsed") or item.get("created_parsed")
        entries.append(
            _entry(
                item.get("id"),
                item.get("title"),
                urljoin(url, item.get("link") or ""),
                item.get("summary") or content[0].get("value"),
                _date(published),
                now,
            )
        )
    return [e for e in entries if e.title and e.link]


def _entry(
    guid: str | None,
    title: str | None,
    link: str | None,
    summary: str | None,
    published: datetime | None,
    now: datetime,
) -> Entry:
    web = _web_link(link)
    return Entry(
        guid=_CONTROL.sub("", guid or web or "").strip()[:500],
        title=_plain(title, 300),
        link=web,
        summary=_plain(summary, SUMMARY_CHARACTERS),
        published_at=min(published or now, now),
    )


@dataclass(frozen=True)
class Download:
    data: bytes
    content_type: str


def download(source: FeedSource) -> Download | None:
    """The feed's bytes and Content-Type, or None when the portal answers 304 Not Modified. Only http(s):
    urllib would read a file:// address from the server's own disk."""
    if not _web_link(source.url):
        raise FeedError("订阅地址应为 http:// 或 https:// 开头")
    request = urllib.request.Request(source.url, headers={"User-Agent": USER_AGENT})
    if source.etag:
        request.add_header("If-None-Match", source.etag)
    if source.last_modified:
        request.add_header("If-Modified-Since", source.last_modified)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # nosec B310  # http(s) only, checked above
            data = response.read(MAX_BYTES + 1)
            headers = response.headers
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return None
        raise FeedError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FeedError(f"无法连接：{getattr(exc, 'reason', exc)}") from exc
    if len(data) > MAX_BYTES:
        raise FeedError(f"内容超过 {MAX_BYTES // 1024 // 1024} MB")
    source.etag = (headers.get("ETag") or "")[:200]
    source.last_modified = (headers.get("Last-Modified") or "")[:100]
    return Download(data, headers.get("Content-Type") or "")


@transaction.atomic
def store(source: FeedSource, entries: list[Entry]) -> int:
    """Save the entries not seen before (by guid in this source, by link in any); keep the newest
    KEEP_PER_SOURCE of the source. Returns how many were new."""
    guids = {e.guid for e in entries}
    links = {e.link for e in entries}
    seen_guids = set(FeedEntry.objects.filter(source=source, guid__in=guids).values_list("guid", flat=True))
    seen_links = set(FeedEntry.objects.filter(link__in=links).values_list("link", flat=True))
    new = []
    for entry in entries:
        if entry.guid in seen_guids or entry.link in seen_links:
            continue
        seen_guids.add(entry.guid)
        seen_links.add(entry.link)
        new.append(
            FeedEntry(
                source=source,
                guid=entry.guid,
                title=entry.title,
                link=entry.link,
                summary=entry.summary,
                published_at=entry.published_at,
            )
        )
    FeedEntry.objects.bulk_create(new)
    old = FeedEntry.objects.filter(source=source).order_by("-published_at", "-id")[KEEP_PER_SOURCE:]
    FeedEntry.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()
    return len(new)


def fetch(source: FeedSource) -> int:
    """Read one source now: new entries stored, the outcome noted on the source. Never raises for a
    portal's fault — whatever its server, its bytes or the parser do is recorded on the source (last
    error, when, failures in a row) — and returns the number of new entries."""
    now = timezone.now()
    source.last_fetched_at = now
    fields = ["etag", "last_modified", "last_fetched_at", "failures"]
    try:
        fetched = download(source)
        added = 0
        if fetched is not None:
            entries = parse(fetched.data, content_type=fetched.content_type, url=source.url)
            added = store(source, entries)
    except Exception as exc:  # hostile input: any failure is this source's, never the next one's
        if isinstance(exc, FeedError):
            log.warning("feed %s (%s): %s", source.pk, source.url, exc)
        else:
            log.exception("feed %s (%s) could not be read", source.pk, source.url)
        error = str(exc) if isinstance(exc, FeedError) else f"读取失败（{type(exc).__name__}）：{exc}"
        source.last_error, source.last_error_at = error[:ERROR_CHARACTERS], now
        source.failures += 1
        source.save(update_fields=[*fields, "last_error", "last_error_at"])
        return 0
    source.failures = 0
    source.save(update_fields=fields)
    return added


# ------------------------------------------------------------------------------------- scheduling


def _pending(source_id: int) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(
        name=FETCH.name, payload__source=source_id, status__in=[OutboxStatus.PENDING, OutboxStatus.CLAIMED]
    )


def schedule(source: FeedSource, *, at: datetime, key: str) -> None:
    """Put a fetch of the source in the outbox for `at`; `key` makes a repeat of the same step a no-op."""
    message = events.emit(FETCH, FeedFetch(source=source.pk), key=f"{FETCH.name}:{source.pk}:{key}")
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.PENDING).update(available_at=at)


def ensure_scheduled(*, now: datetime | None = None) -> int:
    """Give every active source without a waiting fetch one now (after a restore, or a dead letter)."""
    now = now or timezone.now()
    scheduled = 0
    for source in FeedSource.objects.filter(is_active=True):
        if not _pending(source.pk).exists():
            schedule(source, at=now, key=f"repair:{uuid.uuid4().hex}")
            scheduled += 1
    return scheduled


@events.handles(FETCH)
def fetch_and_reschedule(message: events.Message[FeedFetch]) -> None:
    source = FeedSource.objects.filter(pk=message.payload.source, is_active=True).first()
    if source is None:
        return  # switched off or deleted: the chain ends here
    fetch(source)
    # Keyed by this message: delivered twice (at least once), it still queues one next fetch.
    schedule(source, at=timezone.now() + timedelta(minutes=fetch_minutes()), key=f"after:{message.id}")


@transaction.atomic
def add_source(*, by: Staff, name: str, url: str, level: str) -> FeedSource:
    """A new higher-level portal to follow; its first fetch is queued at once."""
    if not (can(by, "org.manage", by.organisation) or can(by, "publication.review", by.organisation)):
        raise NotPermitted("只有管理员或政府信息公开工作机构负责人可以添加上级动态来源")
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["名称：必须填写"]
    if not _web_link(url):
        errors["url"] = ["地址：应为 http:// 或 https:// 开头的订阅地址"]
    if errors:
        raise ApplicationError("上级动态来源有误", fields=errors)
    source = FeedSource.objects.create(name=name.strip()[:60], url=url.strip(), level=level.strip()[:10])
    audit.record(
        "publishing.feed_source_added", source, actor=by, after={"name": source.name, "url": source.url}
    )
    schedule(source, at=timezone.now(), key="first")
    return source


def recent_entries(limit: int = 8) -> QuerySet[FeedEntry]:
    """The newest entries of the active sources, for the 上级动态 block."""
    return (
        FeedEntry.objects.filter(source__is_active=True)
        .select_related("source")
        .order_by("-published_at", "-id")[:limit]
    )
