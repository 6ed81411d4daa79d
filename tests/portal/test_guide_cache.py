"""Guide pages are kept rendered, yet a reader never sees a stale one: a new version, a retirement, a
renamed unit and the large-text setting all show at once; a kept page costs one query."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from tests.catalog.conftest import make_guide, published
from yimen.catalog import queries, services
from yimen.core import events
from yimen.portal.context import LARGE_TEXT_COOKIE

pytestmark = pytest.mark.django_db


@pytest.fixture
def food(people):
    return published(people, promised_limit=Decimal(10))


def _revise(version, people, **fields):
    draft = services.start_revision(item=version.item, by=people.editor)
    services.update_draft(version=draft, by=people.editor, guide=make_guide(**fields))
    services.submit(version=draft, by=people.editor)
    services.legal_approve(version=draft, by=people.legal)
    return services.reform_approve(version=draft, by=people.reform)


def test_a_newly_published_version_shows_at_once(client: Client, food, people) -> None:
    url = f"/guide/{food.item.impl_code}/"
    assert "承诺时限：<strong>10个工作日</strong>" in client.get(url).content.decode()
    _revise(food, people, promised_limit=Decimal(0), change_note="改为即办")
    page = client.get(url).content.decode()
    assert "<strong>即办件</strong>" in page and "改为即办" in page and "第 2 版" in page
    assert "10个工作日</strong>" not in page


def test_a_retired_item_is_gone_at_once_though_its_page_was_kept(client: Client, food, people) -> None:
    url = f"/guide/{food.item.impl_code}/"
    assert client.get(url).status_code == 200
    services.retire_item(item=food.item, by=people.editor, reason="取消")
    assert client.get(url).status_code == 404


def test_a_kept_page_costs_one_query(client: Client, food, django_assert_num_queries) -> None:
    url = f"/guide/{food.item.impl_code}/"
    first = client.get(url).content
    with django_assert_num_queries(1):
        again = client.get(url)
    assert again.status_code == 200 and again.content == first


def test_large_text_pages_are_kept_apart(client: Client, food) -> None:
    url = f"/guide/{food.item.impl_code}/"
    assert 'class="large-text"' not in client.get(url).content.decode()
    client.cookies[LARGE_TEXT_COOKIE] = "1"
    assert '<html lang="zh-Hans" class="large-text">' in client.get(url).content.decode()
    del client.cookies[LARGE_TEXT_COOKIE]
    assert 'class="large-text"' not in client.get(url).content.decode()


def test_a_renamed_unit_shows_in_the_kept_guide(client: Client, food, people) -> None:
    url = f"/guide/{food.item.impl_code}/"
    assert "咸宁市市场监督管理局" in client.get(url).content.decode()
    market = people.base.market
    market.name = "咸宁市市场监管局"
    market.save(update_fields=["name"])
    queries.forget_names()  # as NAMES_RECHECK_SECONDS passing would
    page = client.get(url).content.decode()
    assert "咸宁市市场监管局" in page and "咸宁市市场监督管理局" not in page


def test_the_worker_renders_a_published_guide_before_anyone_asks(
    client: Client, food, django_assert_num_queries
) -> None:
    events.run_once()
    with django_assert_num_queries(1):
        page = client.get(f"/guide/{food.item.impl_code}/").content.decode()
    assert "食品经营许可证核发" in page and "申请材料（3 份）" in page


def test_a_page_with_a_query_string_is_not_kept(client: Client, food) -> None:
    page = client.get(f"/guide/{food.item.impl_code}/", {"from": "search"}).content.decode()
    assert "from%3Dsearch" in page  # the large-text link returns to this very address
    assert "from%3Dsearch" not in client.get(f"/guide/{food.item.impl_code}/").content.decode()
