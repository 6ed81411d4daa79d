"""The catalogue's search answers from memory: the same items as the database index, kept current when
this process or another one publishes or retires, with filters and pages, and without a query."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

import pytest

from tests.catalog.conftest import make_guide, published
from yimen.catalog import search, search_memory, services
from yimen.catalog.models import ItemVersion
from yimen.catalog.queries import ItemFilter, public_items
from yimen.catalog.results import RankedItems, _database_page
from yimen.core import memo
from yimen.org.models import Organisation

pytestmark = pytest.mark.django_db


def elsewhere(organisation: Organisation, name: str, basic_code: str, **fields: object) -> ItemVersion:
    """An item of any organisation, published as an approved catalogue is imported."""
    version = services.create_item(
        organisation=organisation, basic_code=basic_code, guide=make_guide(name=name, **fields), by=None
    )
    services.publish_directly(version)
    return version


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The search's recheck clock, moved on by hand (set before the first search)."""
    now = [1000.0]
    monkeypatch.setattr(memo, "clock", lambda: now[0])
    return now


@contextmanager
def in_another_process() -> Iterator[None]:
    """A change made by another process: the database changes, this process keeps the index it had (the
    change does not tell it to forget)."""
    search_memory.current()
    with patch.object(search_memory, "forget", lambda: None):
        yield


def names(query: str, **filters: str) -> list[str]:
    return [item.name for item in public_items(ItemFilter(q=query, **filters))]


@pytest.fixture
def catalogue(people):
    cast = people.base
    return {
        "food": published(people, name="食品经营许可证核发", basic_code="XK-1"),
        "licence": published(
            people, name="营业执照遗失补领", basic_code="QR-3", item_type="07", level="county", themes=["l02"]
        ),
        "id_card": elsewhere(
            cast.police, "居民身份证申领", "QT-1", item_type="10", for_legal=False, themes=["p10"]
        ),
        "residence": elsewhere(cast.police, "户口迁移登记", "QT-2", item_type="10", for_legal=False),
    }


def test_another_process_publishing_shows_after_the_recheck(catalogue, people, clock) -> None:
    assert names("身份证") == ["居民身份证申领"]
    with in_another_process():
        elsewhere(people.base.police, "临时居民身份证申领", "QT-3", item_type="10")
    assert names("身份证") == ["居民身份证申领"]  # this process has not looked yet
    clock[0] += search.RECHECK_SECONDS
    assert set(names("身份证")) == {"居民身份证申领", "临时居民身份证申领"}


def test_another_process_retiring_shows_after_the_recheck(catalogue, people, clock) -> None:
    assert names("补领") == ["营业执照遗失补领"]
    with in_another_process():
        services.retire_item(item=catalogue["licence"].item, by=people.editor, reason="并入其他事项")
    assert names("补领") == ["营业执照遗失补领"]
    clock[0] += search.RECHECK_SECONDS
    assert names("补领") == []


def test_a_retired_item_disappears_at_once(catalogue, people) -> None:
    assert names("营业执照")[0] == "营业执照遗失补领"  # every item asks for a 营业执照 among its materials
    services.retire_item(item=catalogue["licence"].item, by=people.editor, reason="并入其他事项")
    found = public_items(ItemFilter(q="营业执照"))
    assert "营业执照遗失补领" not in [item.name for item in found] and found.count() == 3


def test_an_item_published_here_is_found_at_once(catalogue, people) -> None:
    assert names("烟草专卖") == []  # three characters or more: no fallback to the names in the database
    published(people, name="烟草专卖零售许可证核发", basic_code="XK-9")
    assert names("烟草专卖") == ["烟草专卖零售许可证核发"]


def test_a_renamed_organisation_shows_in_the_rows_after_the_recheck(catalogue, people, clock) -> None:
    [row] = public_items(ItemFilter(q="户口"))
    assert row.organisation_name == "咸宁市公安局"
    Organisation.objects.filter(pk=people.base.police.pk).update(name="咸宁市公安局（更名）")
    clock[0] += search.RECHECK_SECONDS
    [row] = public_items(ItemFilter(q="户口"))
    assert row.organisation_name == "咸宁市公安局（更名）"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"organisation": "GAJ"}, {"居民身份证申领", "户口迁移登记"}),
        ({"organisation": "SJJ"}, {"食品经营许可证核发", "营业执照遗失补领"}),
        ({"organisation": "NONE"}, set()),
        ({"item_type": "07"}, {"营业执照遗失补领"}),
        ({"level": "county"}, {"营业执照遗失补领"}),
        ({"theme": "p10"}, {"居民身份证申领"}),
        ({"audience": "legal"}, {"食品经营许可证核发", "营业执照遗失补领"}),
        (
            {"audience": "person", "organisation": "GAJ", "item_type": "10"},
            {"居民身份证申领", "户口迁移登记"},
        ),
        (
            {"audience": "everyone"},
            {"食品经营许可证核发", "营业执照遗失补领", "居民身份证申领", "户口迁移登记"},
        ),
    ],
)
def test_filters_combine_with_the_query_in_memory(catalogue, filters, expected) -> None:
    # 咸宁市 is in every item's organisation name.
    f = ItemFilter(q="咸宁市", **filters)
    found = public_items(f)
    assert {item.name for item in found} == expected
    assert found.count() == len(expected)
    database, total = _database_page("咸宁市", f, limit=100)
    assert {item.name for item in database} == expected and total == len(expected)


def test_pages_beyond_the_first_with_a_filter(people) -> None:
    for n in range(30):
        published(people, name=f"营业执照变更登记（第{n}类）", basic_code=f"QR-{n:02d}", item_type="07")
    found = public_items(ItemFilter(q="营业执照 变更", item_type="07"))
    assert isinstance(found, RankedItems) and found.count() == 30
    pages = [found[0:20], found[20:40], found[40:60]]
    assert [len(p) for p in pages] == [20, 10, 0]
    assert len({item.pk for page in pages for item in page}) == 30
    assert [item.pk for item in found] == [item.pk for page in pages for item in page]


def test_a_search_asks_the_database_nothing_once_the_index_is_built(
    catalogue, django_assert_num_queries
) -> None:
    names("营业执照")
    with django_assert_num_queries(0):
        found = public_items(ItemFilter(q="营业执照 补领", organisation="SJJ"))
        rows = list(found[:20])
        assert found.count() == 1
        assert rows[0].name == "营业执照遗失补领" and rows[0].organisation_code == "SJJ"
        assert rows[0].type_label == "行政确认"


def test_memory_and_the_database_index_find_the_same_items(catalogue, people) -> None:
    published(people, name="不动产首次登记", basic_code="QR-7", item_type="07", conditions="持 2024 年证明。")
    terms = [
        "营业执照", "登记", "不动产", "食品", "许可证", "核发", "身份证", "户口", "公安局", "市场监督管理局",
        "咸宁市", "行政许可", "委托书", "初次申领", "2024", "qr", "xk", "受理", "申请", "不动", "补领 营业执照",
        "火星", "食品安全法", "经营场所", "第三十五条",
    ]  # fmt: skip
    for term in terms:
        memory = search_memory.ranked(term, None, limit=100)
        assert memory is not None, term
        database, total = _database_page(term, None, limit=100)
        assert {row[0] for row, _ in memory[0]} == {item.pk for item in database}, term
        assert memory[1] == total, term
