"""Tests do not see each other's publications in the search index, nor its dictionary as another test
left it (tests/conftest.py: `_empty_search_index`, `_fresh_caches`). The two tests run in this order;
the second fails if either fixture stops doing its part."""

from __future__ import annotations

import pytest

from tests.publishing.conftest import make_desk, recording_search
from yimen.core import memo
from yimen.org.models import Organisation, OrganisationKind
from yimen.publishing import search, search_plan
from yimen.publishing import search_query as sq
from yimen.publishing.models import Kind


@pytest.fixture
def committed(transactional_db: None, cast, monkeypatch: pytest.MonkeyPatch):
    """A desk whose publications are committed, as in the browser tests."""
    return make_desk(cast, recording_search(monkeypatch))


def test_a_committed_publication_stays_in_the_index_after_its_test(committed) -> None:
    committed.published()
    assert search.count() == 1  # committed: the tables are emptied afterwards, the index is not a table


def test_the_next_test_starts_with_an_empty_index_and_reads_the_dictionary_again(
    committed, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert search.count() == 0
    # However soon after the last test: the organisations are read again because they were forgotten.
    monkeypatch.setattr(memo, "clock", lambda: 0.0)  # no recheck falls due during this test
    Organisation.objects.create(
        code="ZRZYJ",
        name="咸宁市自然资源和规划局",
        short_name="市资规局",
        kind=OrganisationKind.DEPARTMENT,
        region=committed.base.city,
        parent=committed.base.government,
    )
    committed.published(
        "gzdt",
        title="联合开展耕地保护检查",
        kind=Kind.NEWS,
        document_number="",
        body="<p>我中心会同咸宁市自然资源和规划局开展检查。</p>",
    )
    found = sq.search_publications(search_plan.SearchFilter(q="市资规局"))
    assert [p.title for p in found.matches[:20]] == ["联合开展耕地保护检查"]
