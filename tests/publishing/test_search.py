"""The search index holds exactly the published publications: publishing adds, withdrawing removes,
`reindex` rebuilds, and `check` names whatever differs."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from yimen.core import text
from yimen.publishing import search, services
from yimen.publishing.models import Kind

pytestmark = pytest.mark.django_db


def test_publishing_indexes_and_withdrawing_removes(desk) -> None:
    published = desk.published()
    assert search.count() == 1
    assert search.check() == []
    services.withdraw(publication=published, by=desk.base.head, reason="内容有误")
    assert search.count() == 0
    assert search.check() == []


def test_a_draft_is_never_indexed(desk) -> None:
    draft = desk.draft()
    search.index(draft)
    assert search.count() == 0


def test_reindex_rebuilds_exactly_the_published_items(desk) -> None:
    first = desk.published()
    desk.published(title="关于公布2024年第一批政务服务事项清单的通知", document_number="咸政务发〔2024〕6号")
    draft = desk.draft(title="草稿不进入索引")
    search.clear()
    assert search.count() == 0
    assert search.reindex() == 2
    assert search.count() == 2
    assert search.check() == []
    assert draft.pk not in _indexed_ids() and first.pk in _indexed_ids()


def test_check_catches_a_missing_index_row(desk) -> None:
    published = desk.published()
    search.remove(published.pk)
    assert search.check() == [f"已发布但不在索引中：#{published.pk}（{published.index_number}）"]


def test_check_catches_a_row_left_behind_and_a_stale_title(desk) -> None:
    kept, withdrawn = (
        desk.published(),
        desk.published("gzdt", title="将被撤回的工作动态", kind=Kind.NEWS, document_number=""),
    )
    withdrawn.state = "withdrawn"
    withdrawn.save(update_fields=["state"])  # as if the index had not been told
    kept.title = "改过标题却未重建索引"
    kept.save(update_fields=["title"])
    problems = search.check()
    assert problems == [
        f"在索引中但未发布（已撤回或已删除）：#{withdrawn.pk}（{withdrawn.index_number}）",
        f"索引内容与信息不一致（需重建索引）：#{kept.pk}（{kept.index_number}）",
    ]
    search.reindex()
    assert search.check() == []


def test_changing_validity_updates_the_index(desk) -> None:
    published = desk.published()
    services.change_validity(
        publication=published, by=desk.base.head, validity="repealed", on=date(2025, 3, 1)
    )
    assert _meta(published.pk, "validity") == "repealed"
    assert search.check() == []


def test_document_numbers_have_one_spelling() -> None:
    for typed in [
        "咸政务发〔2024〕5号",
        "咸政务发[2024]5号",
        "咸政务发（2024）5号",
        "咸政务发【2024】第5号",
        "咸政务发 ［2024］ 05 号",
    ]:
        assert search.normalize_document_number(typed) == "咸政务发〔2024〕5号"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("政务服务中心关于印发的通知不动产登记，。、《》（）() 2024年第5号abcＡＢ１２.-%\n")
        ),
        max_size=60,
    )
)
def test_clause_by_clause_segmentation_is_the_same_as_whole(chars: list[str]) -> None:
    value = "".join(chars)
    assert search.index_terms(value) == text.index_terms(value)


def test_clause_by_clause_segmentation_on_a_long_document() -> None:
    rng = random.Random(5)
    words = [
        "各县市区人民政府",
        "市直各部门",
        "为进一步",
        "优化营商环境",
        "现将",
        "有关事项",
        "通知如下",
        "特此通知",
        "一、",
        "（二）",
        "2024年",
        "第3号",
        "不动产登记",
        "。",
        "，",
        "；",
    ]
    value = "".join(rng.choice(words) for _ in range(2000))
    assert search.index_terms(value) == text.index_terms(value)


def _indexed_ids() -> set[int]:
    table = search.TABLE if connection.vendor == "postgresql" else search.META
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table}")
        return {row[0] for row in cursor.fetchall()}


def _meta(pk: int, column: str) -> object:
    table = search.TABLE if connection.vendor == "postgresql" else search.META
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]
