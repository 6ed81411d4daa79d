"""Proactive disclosure's cast: 赵公开 edits the centre's catalogue, 何主任 reviews and publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from tests.conftest import Cast
from yimen.publishing import search
from yimen.publishing.models import CatalogueNode, Kind, Publication
from yimen.publishing.services import catalogue, publications


@pytest.fixture
def search_index(db: None, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    return recording_search(monkeypatch)


def recording_search(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The calls made to the search index. While the index is not built yet its functions are stood in
    for; once it is, the real index is used and the calls are still recorded."""
    calls: list[tuple[str, int]] = []
    try:
        with transaction.atomic():
            search.remove(0)
        real = True
    except (NotImplementedError, DatabaseError):
        real = False
    index, remove = search.index, search.remove

    def recording_index(publication: Publication) -> None:
        calls.append(("index", publication.pk))
        if real:
            index(publication)

    def recording_remove(publication_id: int) -> None:
        calls.append(("remove", publication_id))
        if real:
            remove(publication_id)

    monkeypatch.setattr(search, "index", recording_index)
    monkeypatch.setattr(search, "remove", recording_remove)
    return calls


@dataclass
class Desk:
    base: Cast
    nodes: dict[str, CatalogueNode]
    index_calls: list[tuple[str, int]]

    def draft(self, node: str = "zcwj-gfxwj", **fields: Any) -> Publication:
        return publications.create_draft(
            by=self.base.officer, node=self.nodes[node], fields=normative(**fields)
        )

    def published(self, node: str = "zcwj-gfxwj", **fields: Any) -> Publication:
        publication = self.draft(node, **fields)
        publications.submit(publication=publication, by=self.base.officer)
        return publications.approve(publication=publication, by=self.base.head)


@pytest.fixture
def desk(cast: Cast, search_index: list[tuple[str, int]]) -> Desk:
    return make_desk(cast, search_index)


def make_desk(cast: Cast, search_index: list[tuple[str, int]]) -> Desk:
    """The centre with a credit code and its default catalogue."""
    cast.centre.uscc = "11421200MB1534962T"
    cast.centre.save()
    nodes = {n.code: n for n in catalogue.ensure_catalogue(organisation=cast.centre)}
    return Desk(cast, nodes, search_index)


def normative(**fields: Any) -> dict[str, Any]:
    """A valid 行政规范性文件; keyword arguments override fields."""
    base = {
        "title": "咸宁市政务服务中心关于进一步规范政务服务事项办理时限的通知",
        "kind": Kind.NORMATIVE,
        "document_number": "咸政务发〔2024〕5号",
        "topic": "综合政务",
        "genre": "通知",
        "keywords": "政务服务 办理时限",
        "written_on": date(2024, 9, 27),
        "body": "<p>各进驻单位：</p><p>为进一步压缩办理时限，现就有关事项通知如下。</p>",
    }
    base.update(fields)
    return base
