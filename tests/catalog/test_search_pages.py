"""Search results come counted and ranked, a page at a time, with filters applied inside the same search;
a fragment jieba cannot segment still finds the words that start with it."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from tests.catalog.conftest import published
from yimen.catalog.models import ServiceItem
from yimen.catalog.queries import FIRST_PAGE, ItemFilter, public_items
from yimen.catalog.results import ItemRow, RankedItems

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(people):
    """25 licences with 营业执照 in their name, 3 registrations that only ask for a 营业执照 as a material."""
    licences = [
        published(people, name=f"营业执照变更登记（第{n}类）", basic_code=f"QR-{n:02d}", item_type="07")
        for n in range(25)
    ]
    others = [published(people, name=f"食品经营许可证核发（{n}）", basic_code=f"XK-{n}") for n in range(3)]
    return licences, others


def test_pages_follow_each_other_without_gaps_or_repeats(many) -> None:
    licences, others = many
    found = public_items(ItemFilter(q="营业执照"))
    assert isinstance(found, RankedItems) and found.count() == 28
    paginator = Paginator(found, 10)
    pages = [[item.pk for item in paginator.page(n)] for n in paginator.page_range]
    assert [len(p) for p in pages] == [10, 10, 8]
    assert len({pk for page in pages for pk in page}) == 28
    # A match in the name ranks above a match in the materials, on every page.
    assert set(pages[0] + pages[1] + pages[2][:5]) == {v.item_id for v in licences}
    assert set(pages[2][-3:]) == {v.item_id for v in others}
    assert [item.pk for item in found] == [pk for page in pages for pk in page]


def test_the_first_page_comes_with_the_count_and_no_query(many, django_assert_num_queries) -> None:
    public_items(ItemFilter(q="食品"))  # the index in memory is built at the first search
    with django_assert_num_queries(0):
        found = public_items(ItemFilter(q="营业执照"))
        rows = list(found[:FIRST_PAGE])
        assert found.count() == 28
    assert rows[0].name.startswith("营业执照变更登记") and rows[0].organisation_name == "咸宁市市场监督管理局"


def test_a_row_shows_what_a_list_shows_of_the_item(many) -> None:
    row = public_items(ItemFilter(q="食品经营"))[0]
    item = ServiceItem.objects.select_related("organisation", "current").get(pk=row.pk)
    assert item.current is not None
    assert row == ItemRow.of(item, item.current)
    assert (row.type_label, row.level_label, row.is_immediate) == (
        "行政许可",
        item.current.get_level_display(),
        False,
    )


def test_filters_narrow_the_count_and_every_page(many) -> None:
    found = public_items(ItemFilter(q="营业执照", item_type="01"))
    assert found.count() == 3 and len(list(found)) == 3
    assert public_items(ItemFilter(q="营业执照", item_type="07")).count() == 25
    assert list(public_items(ItemFilter(q="营业执照", item_type="07"))[20:40]).__len__() == 5


def test_past_the_last_page_is_empty_but_still_counted(many) -> None:
    found = public_items(ItemFilter(q="核发"))
    assert found[50:60] == [] and found.count() == 3


def test_a_fragment_jieba_splits_into_characters_finds_the_words_it_starts(people) -> None:
    published(people, name="不动产首次登记", basic_code="QR-1", item_type="07")
    assert [item.name for item in public_items(ItemFilter(q="不动"))] == ["不动产首次登记"]
