"""The generators: each source's rows hold the figures Yimen's own records give, in the fixed column order,
for the data provider's organisations only."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases.conftest import local
from tests.cases.test_evaluation import rated
from tests.cases.test_stats import october_cases
from tests.opendata.conftest import TODAY
from yimen.cases.models import Level
from yimen.cases.services import evaluations
from yimen.opendata import sources
from yimen.opendata.models import SourceCode
from yimen.org.models import Window

pytestmark = pytest.mark.django_db


def rows(code: str, publisher, today: date = TODAY) -> list[dict]:
    source = sources.SOURCES[code]
    found = list(source.rows(publisher, today))
    assert all(tuple(row) == source.columns for row in found)  # every row in the fixed column order
    return found


def test_every_source_code_has_its_generator() -> None:
    assert set(sources.SOURCES) == set(SourceCode.values)


def test_months_end_with_the_current_one_counted_to_today() -> None:
    assert sources.months(date(2024, 11, 15), 3) == [
        (date(2024, 9, 1), date(2024, 9, 30)),
        (date(2024, 10, 1), date(2024, 10, 31)),
        (date(2024, 11, 1), date(2024, 11, 15)),
    ]
    assert sources.months(date(2024, 3, 31), 2) == [
        (date(2024, 2, 1), date(2024, 2, 29)),
        (date(2024, 3, 1), date(2024, 3, 31)),
    ]
    assert len(sources.months(TODAY)) == sources.MONTHS == 24


def test_items_are_the_published_guides_of_the_providers_organisations(licence, instant, cast) -> None:
    found = {row["实施编码"]: row for row in rows(SourceCode.ITEMS, cast.government)}
    assert set(found) == {licence.impl_code, instant.impl_code}
    assert found[licence.impl_code] == {
        "实施编码": licence.impl_code,
        "基本编码": licence.basic_code,
        "事项名称": "食品经营许可证核发",
        "事项类型": "行政许可",
        "实施主体": "咸宁市市场监督管理局",
        "行使层级": "市级",
        "法定时限": "20个工作日",
        "承诺时限": "20个工作日",
        "是否收费": "否",
        "收费项目": "",
        "网上办理深度": "三级：网上预审",
        "到现场次数": 1,
        "通办范围": "全市通办",
    }
    assert found[instant.impl_code]["承诺时限"] == "即办"
    assert found[instant.impl_code]["事项类型"] == "行政确认"
    assert rows(SourceCode.ITEMS, cast.police) == []  # 市公安局 implements none of them


def test_windows_serving_the_providers_organisations(cast) -> None:
    Window.objects.create(
        number="A001", name="综合受理窗口", is_comprehensive=True, supervision_phone="12345"
    )
    police = Window.objects.create(number="C001", name="户政窗口", supervision_phone="0715-8200000")
    police.organisations.add(cast.police)
    found = rows(SourceCode.WINDOWS, cast.government)
    assert [(r["窗口号"], r["服务单位"], r["综合窗口"]) for r in found] == [
        ("A001", "", "是"),
        ("B012", "咸宁市市场监督管理局", "否"),
        ("C001", "咸宁市公安局", "否"),
    ]
    assert found[1]["监督电话"] == "0715-8212345"
    # The market bureau's reach holds no service centre: no 综合窗口, and not the police's window.
    assert [r["窗口号"] for r in rows(SourceCode.WINDOWS, cast.market)] == ["B012"]


def test_monthly_case_statistics_per_organisation(licence, instant, cast) -> None:
    """The ten October 2024 cases of tests/cases/test_stats.py: the licences accepted in September."""
    october_cases(licence, instant, cast)
    found = rows(SourceCode.CASE_STATS, cast.government)
    assert [(r["统计月份"], r["统计截止日期"], r["单位代码"], r["单位"]) for r in found] == [
        ("2024-09", "2024-09-30", "SJJ", "咸宁市市场监督管理局"),
        ("2024-10", "2024-10-31", "SJJ", "咸宁市市场监督管理局"),
    ]
    september, october = found
    assert (september["受理量"], september["办结量"], september["按时办结率（%）"]) == (4, 0, None)
    assert [october[c] for c in sources.CASE_COLUMNS[4:]] == [6, 10, 6, 9, 90.0, 20.0, 1, 19.5]
    # Counted to today: on 15 October the month holds the six 即办件 only.
    [so_far] = [
        r
        for r in rows(SourceCode.CASE_STATS, cast.government, date(2024, 10, 15))
        if r["统计月份"] == "2024-10"
    ]
    assert (so_far["统计截止日期"], so_far["受理量"], so_far["办结量"]) == ("2024-10-15", 6, 6)
    assert rows(SourceCode.CASE_STATS, cast.police) == []


def test_monthly_evaluation_figures_per_organisation(licence, cast) -> None:
    given = rated(licence, cast, Level.VERY_SATISFIED, Level.SATISFIED, Level.DISSATISFIED, 1)
    evaluations.reply(
        order=given[2].work_order, by=cast.reviewer, reply="已整改。", at=local(2024, 10, 23, 17)
    )
    [september] = rows(SourceCode.EVALUATIONS, cast.government)
    assert september == {
        "统计月份": "2024-09",
        "统计截止日期": "2024-09-30",
        "单位代码": "SJJ",
        "单位": "咸宁市市场监督管理局",
        "评价总数": 4,
        "非常满意": 1,
        "满意": 1,
        "基本满意": 0,
        "不满意": 1,
        "非常不满意": 1,
        "满意率（%）": 50.0,
        "差评数": 2,
        "应整改差评数": 2,
        "按时整改数": 1,
        "差评整改率（%）": 50.0,
    }
    assert rows(SourceCode.EVALUATIONS, cast.police) == []


def test_publications_are_the_published_ones_newest_first(desk, cast) -> None:
    first = desk.published(title="关于规范办理时限的通知")
    second = desk.published(title="关于延长办公时间的通知", document_number="咸政务发〔2024〕6号")
    desk.draft(title="尚未发布的草稿")
    found = rows(SourceCode.PUBLICATIONS, cast.government)
    assert [r["标题"] for r in found] == ["关于延长办公时间的通知", "关于规范办理时限的通知"]
    row = found[1]
    assert row["索引号"] == first.index_number and row["索引号"]
    assert (row["文号"], row["发布机构"], row["成文日期"]) == (
        "咸政务发〔2024〕5号",
        "咸宁市政务服务中心",
        "2024-09-27",
    )
    assert (row["主题分类"], row["类别"], row["有效性"]) == ("综合政务", "行政规范性文件", "有效")
    assert row["发布日期"] == first.published_at.date().isoformat()
    assert found[0]["索引号"] == second.index_number
    assert rows(SourceCode.PUBLICATIONS, cast.market) == []
