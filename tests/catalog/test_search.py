"""One search box over items: jieba-segmented full text, in SQLite FTS5 and PostgreSQL tsvector alike."""

from __future__ import annotations

import pytest

from tests.catalog.conftest import published
from yimen.catalog.queries import ItemFilter, public_items
from yimen.core import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(people):
    items = {
        "estate": published(
            people,
            name="不动产首次登记",
            basic_code="QR-1",
            item_type="07",
            legal_basis=[{"law": "《不动产登记暂行条例》", "article": "第十四条"}],
        ),
        "transfer": published(
            people,
            name="不动产转移登记（二手房买卖）",
            basic_code="QR-2",
            item_type="07",
            legal_basis=[{"law": "《不动产登记暂行条例》", "article": "第十四条"}],
        ),
        "food": published(people, name="食品经营许可证核发", basic_code="XK-1"),
        "licence": published(
            people,
            name="营业执照遗失补领",
            basic_code="QR-3",
            item_type="07",
            legal_basis=[{"law": "《市场主体登记管理条例》", "article": "第三十三条"}],
            conditions="营业执照遗失或者损毁的，可以申请补领。",
        ),
    }
    return {key: version.item for key, version in items.items()}


def names(query: str, **filters) -> list[str]:
    return [item.name for item in public_items(ItemFilter(q=query, **filters))]


def test_searching_budongchan_finds_the_budongchan_registration_items(catalogue) -> None:
    assert set(names("不动产")) == {"不动产首次登记", "不动产转移登记（二手房买卖）"}


def test_a_two_character_query_works(catalogue) -> None:
    found = names("登记")
    assert set(found[:2]) == {"不动产首次登记", "不动产转移登记（二手房买卖）"}
    assert found[2:] == ["营业执照遗失补领"]  # 登记 only in its legal basis: ranked after the names
    assert names("补领") == ["营业执照遗失补领"]


def test_every_word_of_the_query_must_match(catalogue) -> None:
    assert names("不动产 二手房") == ["不动产转移登记（二手房买卖）"]
    assert names("不动产转移登记") == ["不动产转移登记（二手房买卖）"]


def test_a_match_in_the_name_ranks_above_a_match_in_the_body(catalogue) -> None:
    # 营业执照 is in the food licence's materials and in the other item's name.
    assert names("营业执照")[0] == "营业执照遗失补领"
    assert "食品经营许可证核发" in names("营业执照")


def test_full_width_and_case_do_not_matter(catalogue) -> None:
    assert names("ＸＫ-1") == names("xk-1") == ["食品经营许可证核发"]


def test_the_organisation_name_finds_its_items(catalogue) -> None:
    assert len(names("市场监督管理局")) == 4
    assert len(names("咸宁市市场监督管理局")) == 4
    assert len(names("市市场监督管理局")) == 4


def test_filters_combine_with_the_query(catalogue) -> None:
    assert names("不动产", item_type="01") == []
    assert set(names("不动产", item_type="07")) == {"不动产首次登记", "不动产转移登记（二手房买卖）"}


def test_nonsense_finds_nothing(catalogue) -> None:
    assert names("火星移民") == []
    assert names("！？") == []


def test_the_index_holds_one_row_per_public_item(catalogue) -> None:
    from yimen.catalog.search import INDEX, reindex

    assert search.count(INDEX) == 4
    assert reindex() == (4, 4)
    assert set(names("不动产")) == {"不动产首次登记", "不动产转移登记（二手房买卖）"}


@pytest.fixture
def long_word():
    """A whole item name the segmenter knows as one word (as organisation names are taught), unlearnt after."""
    from yimen.core import text

    word = "烟草专卖零售许可证核发"
    text.add_words([word])
    yield word
    text._jieba().del_word(word)


def test_a_word_inside_a_longer_known_word_finds_it(people, long_word) -> None:
    """jieba's cut_for_search emits only the 2- and 3-character words inside a longer one: 烟草专卖 (a word
    of four) inside 烟草专卖零售许可证核发 would be lost, so the index emits every dictionary word inside."""
    published(people, name=long_word, basic_code="XK-9")
    assert [item.name for item in public_items(ItemFilter(q="烟草专卖"))] == [long_word]
    assert [item.name for item in public_items(ItemFilter(q=long_word))] == [long_word]
