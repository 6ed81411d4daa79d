"""上级动态: news from the State Council's, the province's and the city's portals, read from their RSS or
Atom feeds by the worker and shown in a block on the portal.

Each active `FeedSource` has one `feeds.fetch` event waiting in the outbox; the worker's handler fetches
the feed (conditional GET with ETag / Last-Modified, a size and time limit), stores new entries and
puts the next fetch in the outbox `FETCH_MINUTES` later. A failed fetch is noted on the source
(`last_error`) and tried again at the next turn, so one broken portal never stops the others. Entries
are de-duplicated by their guid within a source and by their link across sources (a State Council item
republished by the province is shown once). Only http(s) links are kept; titles and summaries are
stored as plain text.
"""

from __future__ import annotations

import html
import logging
import re
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

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
ATOM = "{http://www.w3.org/2005/Atom}"
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
    markup = _SCRIPT.sub("", html.unescape(value or ""))
    text = html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", markup)))
    return " ".join(text.split())[:limit]


def _web_link(value: str | None) -> str:
    value = (value or "").strip()
    return value if urlsplit(value).scheme in ("http", "https") and len(value) <= 500 else ""


def _date(value: str | None) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    found: datetime | None
    try:
        found = parsedate_to_datetime(value)  # RSS: RFC 822
    except (TypeError, ValueError):
        found = parse_datetime(value)  # Atom: RFC 3339
    if found is None:
        return None
    return found if timezone.is_aware(found) else timezone.make_aware(found)


def parse(data: bytes) -> list[Entry]:
    """The entries of an RSS 2.0 or Atom document. No DTDs: feeds never need one, and refusing them
    rules out entity expansion attacks."""
    if re.search(rb"<!(DOCTYPE|ENTITY)", data[:4096], re.IGNORECASE):
        raise FeedError("订阅源包含 DTD 声明，已拒绝")
    try:
        root = ET.fromstring(data)  # nosec B314  # the standard library's expat resolves no external entity and caps entity expansion (tests/security/test_static_checks.py)
    except ET.ParseError as exc:
        raise FeedError(f"不是有效的 XML：{exc}") from exc
    now = timezone.now()
    entries: list[Entry] = []
    if root.tag == f"{ATOM}feed":
        for item in root.iter(f"{ATOM}entry"):
            links = item.findall(f"{ATOM}link")
            link = next((a.get("href") for a in links if a.get("rel", "alternate") == "alternate"), None)
            published = item.findtext(f"{ATOM}published") or item.findtext(f"{ATOM}updated")
            summary = item.findtext(f"{ATOM}summary") or item.findtext(f"{ATOM}content")
            entries.append(
                _entry(
                    item.findtext(f"{ATOM}id"), item.findtext(f"{ATOM}title"), link, summary, published, now
                )
            )
    elif root.tag == "rss" or root.find("channel") is not None:
        for item in root.iter("item"):
            entries.append(
                _entry(
                    item.findtext("guid"),
                    item.findtext("title"),
                    item.findtext("link"),
                    item.findtext("description"),
                    item.findtext("pubDate"),
                    now,
                )
            )
    else:
        raise FeedError("既不是 RSS 也不是 Atom")
    return [e for e in entries if e.title and e.link]


def _entry(
    guid: str | None,
    title: str | None,
    link: str | None,
    summary: str | None,
    published: str | None,
    now: datetime,
) -> Entry:
    web = _web_link(link)
    return Entry(
        guid=(guid or web or "").strip()[:500],
        title=_plain(title, 300),
        link=web,
        summary=_plain(summary, SUMMARY_CHARACTERS),
        published_at=min(_date(published) or now, now),
    )


def download(source: FeedSource) -> bytes | None:
    """The feed's bytes, or None when the portal answers 304 Not Modified."""
    request = urllib.request.Request(source.url, headers={"User-Agent": USER_AGENT})
    if source.etag:
        request.add_header("If-None-Match", source.etag)
    if source.last_modified:
        request.add_header("If-Modified-Since", source.last_modified)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # nosec B310  # a source's address is refused unless it is http:// or https:// (add_source)
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
    return data


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
    portal's fault; returns the number of new entries."""
    source.last_fetched_at = timezone.now()
    try:
        data = download(source)
        added = 0 if data is None else store(source, parse(data))
        source.last_error = ""
    except FeedError as exc:
        log.warning("feed %s (%s): %s", source.pk, source.url, exc)
        added, source.last_error = 0, str(exc)[:300]
    source.save(update_fields=["etag", "last_modified", "last_fetched_at", "last_error"])
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
