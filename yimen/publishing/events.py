"""The events of 主动公开 publications and of the feeds of higher-level portals."""

from __future__ import annotations

from dataclasses import dataclass

from yimen.core.events import define


@dataclass(frozen=True)
class PublicationChanged:
    id: int  # the Publication's id
    index_number: str  # 索引号
    organisation_id: int


@dataclass(frozen=True)
class PublicationRevised(PublicationChanged):
    version: int  # the number of the version kept for the revision


@dataclass(frozen=True)
class ValidityChanged(PublicationChanged):
    validity: str  # Validity: 有效, 失效, 废止


PUBLISHED = define(
    "publication.published",
    PublicationChanged,
    """A publication went public with its 索引号: approved by its reviewer, or published at once (an annual
    report) (publishing.services).""",
)
WITHDRAWN = define(
    "publication.withdrawn",
    PublicationChanged,
    """A published item was withdrawn from public view, with a public reason
    (publishing.services.publications.withdraw).""",
)
REVISED = define(
    "publication.revised",
    PublicationRevised,
    """An approved revision replaced a published item's text and files; the earlier text stays as a version
    (publishing.services.revisions).""",
)
VALIDITY_CHANGED = define(
    "publication.validity_changed",
    ValidityChanged,
    """A normative document's validity changed (失效 or 废止) with its date
    (publishing.services.publications.change_validity).""",
)


@dataclass(frozen=True)
class FeedFetch:
    source: int  # the FeedSource to fetch


FETCH = define(
    "feeds.fetch",
    FeedFetch,
    """Fetch one higher-level portal's feed when it falls due (publishing.feed_import.schedule, made
    available at the time of the next fetch). Publishing listens: it fetches the source and schedules the
    next fetch, so every active source has one waiting.""",
)
