"""Search over published publications (jieba-segmented, FTS5 / tsvector via yimen.core.search)."""

from __future__ import annotations

from yimen.publishing.models import Publication


def index(publication: Publication) -> None:
    raise NotImplementedError


def remove(publication_id: int) -> None:
    raise NotImplementedError


def reindex() -> int:
    raise NotImplementedError


def check() -> list[str]:
    raise NotImplementedError
