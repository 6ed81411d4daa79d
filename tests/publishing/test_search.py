"""The search index holds exactly the published publications: publishing adds, withdrawing removes,
`reindex` rebuilds, and `check` names whatever differs."""

from __future__ import annotations

import random
from datetime import date, timedelta
from unittest.mock import patch

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.publishing.conftest import normative
from tests.publishing.test_attachments import docx_file
from yimen.core import text
from yimen.portal import publishing_search_views
from yimen.publishing import search, search_plan, search_words
from yimen.publishing import search_query as sq
from yimen.publishing.models import Kind, Publication, PublicationState
from yimen.publishing.services import publications

pytestmark = pytest.mark.django_db


def test_publishing_indexes_and_withdrawing_removes(desk) -> None:
    published = desk.published()
    assert search.count() == 1
    assert search.check() == []
    publications.withdraw(publication=published, by=desk.base.head, reason="内容有误")
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
    publications.change_validity(
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
        assert search_words.normalize_document_number(typed) == "咸政务发〔2024〕5号"


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
    with patch.dict(text.aliases, clear=True):  # names only add words: compare without
        assert search_words.index_terms(value) == text.index_terms(value)


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
    with patch.dict(text.aliases, clear=True):
        assert search_words.index_terms(value) == text.index_terms(value)


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


# --- searching ---------------------------------------------------------------------------------------


def _find(q: str = "", **narrow: object) -> sq.Results:
    return sq.search_publications(search_plan.SearchFilter(q=q, **narrow))  # type: ignore[arg-type]


def _titles(results: sq.Results) -> list[str]:
    return [p.title for p in results.matches[:20]]


def test_a_two_character_word_is_found(desk) -> None:
    desk.published("czyjs", title="咸宁市政务服务中心2024年部门预算公开", kind=Kind.OTHER, document_number="")
    desk.published(title="关于规范政务服务事项办理时限的通知")
    results = _find("预算")
    assert results.mode == "words"
    assert _titles(results) == ["咸宁市政务服务中心2024年部门预算公开"]
    assert results.total == search_plan.Count(1, False)


def test_every_word_of_the_query_must_be_in_a_hit(desk) -> None:
    desk.published("gzdt", title="我中心开展食品安全专项检查", kind=Kind.NEWS, document_number="")
    desk.published("gzdt", title="我中心开展消防安全专项检查", kind=Kind.NEWS, document_number="")
    assert _titles(_find("食品安全 检查")) == ["我中心开展食品安全专项检查"]
    assert len(_titles(_find("专项检查"))) == 2


def test_a_document_number_finds_that_document_first_however_its_brackets_are_typed(desk) -> None:
    desk.published(title="关于印发第十五号文件的通知", document_number="咸政务发〔2024〕15号")
    desk.published(title="关于印发第五号文件的通知", document_number="咸政务发〔2024〕5号")
    for typed in ["咸政务发〔2024〕5号", "咸政务发[2024]5号", "咸政务发（2024）5号"]:
        results = _find(typed)
        assert results.mode == "number"
        assert _titles(results)[0] == "关于印发第五号文件的通知"
    assert sorted(_titles(_find("〔2024〕"))) == ["关于印发第五号文件的通知", "关于印发第十五号文件的通知"]


def test_the_text_of_an_attachment_is_found_and_shown(desk) -> None:
    draft = publications.create_draft(
        by=desk.base.officer,
        node=desk.nodes["yjgl"],
        fields=normative(title="关于做好汛期安全防范工作的通知", kind=Kind.NOTICE, document_number=""),
        files=[docx_file("全市防汛物资储备清单：编织袋二十万条，救生衣五千件。", "防汛物资.docx")],
    )
    publications.submit(publication=draft, by=desk.base.officer)
    publications.approve(publication=draft, by=desk.base.head)
    request = RequestFactory().get("/open/search/", {"q": "救生衣"})
    response = publishing_search_views.search(request)
    page = response.content.decode()
    assert "关于做好汛期安全防范工作的通知" in page
    assert "附件 防汛物资.docx：" in page and "<mark>救生衣</mark>" in page


def test_one_character_and_words_inside_longer_words_are_matched_in_titles(desk) -> None:
    desk.published("sf", title="行政事业性收费目录清单", kind=Kind.OTHER, document_number="")
    desk.published("gzdt", title="税务窗口延时服务", kind=Kind.NEWS, document_number="")
    single = _find("税")
    assert single.mode == "substring" and _titles(single) == ["税务窗口延时服务"]
    inside = _find("性收")  # not a word: jieba never cuts it out of 事业性收费
    assert inside.mode == "substring" and _titles(inside) == ["行政事业性收费目录清单"]


def test_facets_count_the_hits_and_narrow_them(desk) -> None:
    desk.published(title="关于优化营商环境的若干措施", document_number="咸政务发〔2024〕7号")
    desk.published("gzdt", title="营商环境座谈会召开", kind=Kind.NEWS, document_number="")
    desk.published("gzdt", title="营商环境宣传周启动", kind=Kind.NEWS, document_number="")
    results = _find("营商环境")
    facets = {f.name: {o.label: o.count for o in f.options} for f in results.facets}
    assert facets["kind"] == {"工作动态": 2, "行政规范性文件": 1}
    assert facets["node"] == {"工作动态": 2, "行政规范性文件": 1}
    assert facets["org"] == {"咸宁市政务服务中心": 3}
    assert facets["validity"] == {"有效": 3}
    narrowed = _find("营商环境", kind=Kind.NORMATIVE)
    assert _titles(narrowed) == ["关于优化营商环境的若干措施"]
    kind = next(f for f in narrowed.facets if f.name == "kind")
    assert [(o.label, o.selected) for o in kind.options] == [("行政规范性文件", True)]
    assert _titles(_find("", organisation=desk.base.centre.pk, node="gzdt", sort="date")) == [
        "营商环境宣传周启动",
        "营商环境座谈会召开",
    ]


def test_relevance_puts_title_hits_first_and_date_puts_newest_first(desk) -> None:
    in_title = desk.published("gzdt", title="老旧小区改造工作推进会", kind=Kind.NEWS, document_number="")
    in_body = desk.published(
        "gzdt", title="城市建设工作会议", kind=Kind.NEWS, document_number="", body="会议研究了老旧小区改造。"
    )
    assert _titles(_find("老旧小区改造")) == [in_title.title, in_body.title]
    assert _titles(_find("老旧小区改造", sort="date")) == [in_body.title, in_title.title]


def test_a_withdrawn_publication_leaves_the_search(desk) -> None:
    published = desk.published()
    assert _find("办理时限").total.hits == 1
    publications.withdraw(publication=published, by=desk.base.head, reason="已被新文件替代")
    assert _find("办理时限").total.hits == 0


def test_many_hits_are_counted_from_the_sample_and_ordered_from_the_date_index(desk, monkeypatch) -> None:
    """Past EXACT_LIMIT hits the total is the sample's count × SAMPLE, and relevance is title hits
    first, newest first, then the rest, newest first."""
    rows = [
        (10, "防汛工作部署会", "会议部署工作。"),
        (100, "水利工作会议", "会议部署防汛工作。"),
        (520, "防汛物资检查", "检查物资。"),
        (600, "农业工作会议", "会议提到防汛。"),
    ]
    for pk, title, body in rows:
        _published_row(desk, pk, title, body, days_ago=1000 - pk)
    monkeypatch.setattr(search_plan, "EXACT_LIMIT", 1)
    monkeypatch.setattr(sq, "RANK_LIMIT", 1)
    results = _find("防汛")
    assert results.total == search_plan.Count(2 * search_plan.SAMPLE, True)
    assert _titles(results) == ["防汛物资检查", "防汛工作部署会", "农业工作会议", "水利工作会议"]
    assert [p.title for p in results.matches[1:3]] == ["防汛工作部署会", "农业工作会议"]
    assert _titles(_find("防汛", sort="date")) == [
        "农业工作会议",
        "防汛物资检查",
        "水利工作会议",
        "防汛工作部署会",
    ]
    newest = _find("防汛", sort="date").matches[1:3]  # a full page: read walking the date index
    assert [p.title for p in newest] == ["防汛物资检查", "水利工作会议"]
    in_titles = _find("汛")  # one character: titles holding it, counted in the sample, walked by date
    assert in_titles.mode == "substring" and in_titles.total == search_plan.Count(
        2 * search_plan.SAMPLE, True
    )
    assert [p.title for p in in_titles.matches[0:2]] == ["防汛物资检查", "防汛工作部署会"]
    org = next(f for f in results.facets if f.name == "org")
    assert [(o.label, o.count) for o in org.options] == [("咸宁市政务服务中心", 2 * search_plan.SAMPLE)]
    monkeypatch.setattr(search_plan, "WALK_FROM", 0)  # SQLite walks the date index: the same orders
    assert [p.title for p in _find("汛").matches[0:2]] == ["防汛物资检查", "防汛工作部署会"]
    for probe_from in (0.0, 1000.0):  # each row looked up by rowid, or the matching rowids gathered first
        monkeypatch.setattr(search_plan, "PROBE_FROM", probe_from)
        assert [p.title for p in _find("防汛", sort="date").matches[1:3]] == ["防汛物资检查", "水利工作会议"]
    assert _titles(_find("防汛")) == ["防汛物资检查", "防汛工作部署会", "农业工作会议", "水利工作会议"]
    assert _titles(_find("防汛", sort="date")) == [
        "农业工作会议",
        "防汛物资检查",
        "水利工作会议",
        "防汛工作部署会",
    ]


def test_browsing_many_publications_without_words_walks_the_date_index(desk, monkeypatch) -> None:
    """The list without a query (the API's and the index page's first page) past EXACT_LIMIT: the walk
    has no text condition (it once wrote `WHERE ORDER BY`, a syntax error on PostgreSQL)."""
    for pk, days_ago in [(10, 900), (100, 400), (520, 480), (600, 40)]:
        _published_row(desk, pk, f"工作动态{pk}", "会议部署工作。", days_ago=days_ago)
    monkeypatch.setattr(search_plan, "EXACT_LIMIT", 1)
    assert [p.title for p in _find("").matches[0:2]] == ["工作动态600", "工作动态100"]


def test_the_total_and_facets_of_many_hits_come_from_one_statement_over_the_sample(desk, monkeypatch) -> None:
    """Past EXACT_LIMIT the sample's facets give the total too (约); below, every hit is counted."""
    for pk, days_ago in [(10, 900), (100, 400), (520, 480), (600, 40)]:  # 10 and 520 are in the sample
        _published_row(desk, pk, "防汛工作会议", "会议部署防汛工作。", days_ago=days_ago)
    years = {str(timezone.localtime(p.published_at).year) for p in Publication.objects.all()}
    monkeypatch.setattr(search_plan, "EXACT_LIMIT", 1)
    found = search_plan.plan(search_plan.SearchFilter(q="防汛"))
    with CaptureQueriesContext(connection) as statements:
        counts, total = sq.counted_facets(found)
    assert len(statements) == 1 and total == search_plan.Count(2 * search_plan.SAMPLE, True)
    assert counts["validity"] == {"valid": 2 * search_plan.SAMPLE}
    assert sum(counts["year"].values()) == 2 * search_plan.SAMPLE and set(counts["year"]) <= years
    monkeypatch.setattr(search_plan, "EXACT_LIMIT", 5000)
    with CaptureQueriesContext(connection) as statements:
        counts, total = sq.counted_facets(found)
    assert len(statements) == 2 and total == search_plan.Count(4, False)
    assert counts["validity"] == {"valid": 4} and counts["node_code"] == {"gzdt": 4}


def _published_row(desk, pk: int, title: str, body: str, *, days_ago: int) -> Publication:
    """A published publication with a chosen id (ids 0–15 and 512–527 are in the sample), indexed."""
    at = timezone.now() - timedelta(days=days_ago)
    publication = Publication.objects.create(
        pk=pk,
        organisation=desk.base.centre,
        node=desk.nodes["gzdt"],
        title=title,
        kind=Kind.NEWS,
        body=f"<p>{body}</p>",
        body_text=body,
        written_on=at.date(),
        due_on=at.date(),
        published_at=at,
        state=PublicationState.PUBLISHED,
        index_number=f"T/{pk}",
    )
    search.index(publication)
    return publication


def test_the_search_command_reindexes_and_checks(desk) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    published = desk.published()
    search.remove(published.pk)
    with pytest.raises(CommandError, match="索引与已发布信息不一致：1 类问题"):
        call_command("search", "check", stdout=StringIO())
    out = StringIO()
    call_command("search", "reindex", stdout=out)
    assert out.getvalue().startswith("已重建索引：1 条已发布信息")
    assert out.getvalue().splitlines()[-1] == "索引与已发布信息一致：1 条"


def test_a_publication_published_during_a_rebuild_is_in_the_new_index(desk, monkeypatch) -> None:
    """PostgreSQL rebuilds into a new table and swaps it in; what was published meanwhile (into the old
    table) is caught up after the swap."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite rebuilds in place, in one transaction")
    desk.published()
    swap = search._swap
    late: list[Publication] = []

    def published_meanwhile(started) -> None:  # after the rows were read, before the swap
        late.append(
            desk.published("gzdt", title="重建索引期间发布的动态", kind=Kind.NEWS, document_number="")
        )
        swap(started)

    monkeypatch.setattr(search, "_swap", published_meanwhile)
    assert search.reindex() == 1
    assert late[0].pk in _indexed_ids()
    assert search.check() == []
    assert _titles(_find("重建索引")) == ["重建索引期间发布的动态"]


def test_an_organisation_is_found_by_any_of_its_names(desk) -> None:
    """jieba keeps 咸宁市市场监督管理局 whole; the index also holds the organisation's other names."""
    desk.published(
        "gzdt",
        title="联合开展食品安全检查",
        kind=Kind.NEWS,
        document_number="",
        body="我中心会同咸宁市市场监督管理局开展检查。",
    )
    assert _titles(_find("市场监督管理局")) == ["联合开展食品安全检查"]
    assert _titles(_find("咸宁市市场监督管理局")) == ["联合开展食品安全检查"]


def _sampled_rowids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {search.SAMPLED} ORDER BY rowid")
        return [row[0] for row in cursor.fetchall()]


def test_sqlite_keeps_the_sample_in_an_fts5_table_of_its_own(desk, monkeypatch) -> None:
    """Counting a common word among the sample reads only the sample's rowids: the sampled rows are kept
    in their own FTS5 table through indexing, removal and reindexing, and the check watches it."""
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL keeps partial indexes over the sample instead")
    for pk in (10, 100, 520, 600):  # 10 and 520 are in the sample
        _published_row(desk, pk, f"防汛会议{pk}", "部署防汛工作。", days_ago=pk)
    assert _sampled_rowids() == [10, 520]
    monkeypatch.setattr(search_plan, "EXACT_LIMIT", 1)
    assert _find("防汛").total == search_plan.Count(2 * search_plan.SAMPLE, True)
    search.remove(520)
    assert _sampled_rowids() == [10] and _find("防汛").total == search_plan.Count(search_plan.SAMPLE, True)
    search.reindex()
    assert _sampled_rowids() == [10, 520] and search.check() == []
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {search.SAMPLED} WHERE rowid = 10")
    assert search.check() == ["全文索引样本与索引不一致：#10（T/10）"]
