"""Years before 2021: the seed's eight parts (2008 regulation), each with the centre's figures."""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports.conftest import local, make_request
from yimen.catalog.models import ItemVersion
from yimen.disclosure.models import ApplicantType, Outcome
from yimen.publishing.models import DisclosureSettings
from yimen.reports.builder import build_annual_report
from yimen.reports.legacy import HEADINGS

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_2018(licence, instant, cast) -> None:
    """The hall in 2018: the centre and 市场监管局 (window B012, where 李窗口 sits), two items in force with
    guides, one of them a 行政许可; three requests received and answered on time, one refused in part."""
    ItemVersion.objects.update(published_at=local(2017, 6, 1, 9))
    DisclosureSettings.objects.create(
        organisation=cast.centre,
        office_name="咸宁市政务服务中心管理办公室",
        address="咸宁市咸安区金桂路 99 号",
        office_hours="工作日",
        phone="0715—8126517",
    )
    make_request(
        cast.centre, "1", ApplicantType.NATURAL, date(2018, 3, 1), date(2018, 3, 10), Outcome.DISCLOSED
    )
    make_request(
        cast.centre, "2", ApplicantType.BUSINESS, date(2018, 6, 1), date(2018, 6, 12), Outcome.DISCLOSED
    )
    make_request(
        cast.centre, "3", ApplicantType.NATURAL, date(2018, 9, 3), date(2018, 9, 20), Outcome.SECURITY
    )


def figures(report, heading: str) -> dict[str, object]:
    return {f.label: f.value for f in report.section(heading).figures}


def test_a_year_before_2021_has_the_seeds_eight_parts(cast) -> None:
    report = build_annual_report(cast.centre, 2018)
    assert report.format == "2008"
    assert report.title == "咸宁市政务服务中心2018年度政府信息公开工作报告"
    assert [s.title for s in report.sections] == list(HEADINGS)
    assert HEADINGS[0] == "一、政府信息公开工作基本情况" and HEADINGS[-1] == "八、其他需要报告的事项"
    assert len(HEADINGS) == 8


def test_the_hall_figures_of_part_two(year_2018, cast) -> None:
    report = build_annual_report(cast.centre, 2018)
    found = figures(report, HEADINGS[1])
    assert found["公示办事指南的行政许可事项（项）"] == 1
    assert found["进驻行政审批和服务事项（项）"] == 2
    assert found["进驻窗口单位（个）"] == 1
    assert found["窗口前台工作人员（名）"] == 1
    assert found["窗口受理办件（件）"] == 0
    assert found["窗口即办件率（%）"] == "—"
    assert (
        "进驻1个窗口单位、1名窗口前台工作人员，进驻行政审批和服务事项2项" in report.section(HEADINGS[1]).text
    )


def test_requests_refusals_fees_appeals_period_and_phone(year_2018, cast) -> None:
    report = build_annual_report(cast.centre, 2018)
    assert figures(report, HEADINGS[3]) == {
        "收到政府信息公开申请（件）": 3,
        "按期答复（件）": 3,
        "不予公开（件）": 1,
    }
    assert "收到政府信息公开申请3件，均已按期回复，不予公开1件" in report.section(HEADINGS[3]).text
    assert "未收取任何政府信息公开费用" in report.section(HEADINGS[4]).text
    assert "未收到因政府信息公开申请行政复议、提起行政诉讼的情况" in report.section(HEADINGS[5]).text
    assert figures(report, HEADINGS[7]) == {
        "统计期限": "2018年1月1日至2018年12月31日",
        "联系电话": "0715—8126517",
    }
    assert report.section(HEADINGS[7]).text == (
        "本报告中所列数据的统计期限自2018年1月1日起至2018年12月31日止。如对本年度报告有任何疑问，"
        "请联系咸宁市政务服务中心管理办公室，联系电话：0715—8126517。"
    )


def test_cases_accepted_and_the_immediate_rate_come_from_case_statistics(year_2018, instant, cast) -> None:
    from tests.reports.conftest import decided
    from yimen.cases.models import Result

    for day in (3, 4, 5):
        decided(instant, cast, Result.ISSUED, local(2018, 12, day, 10))
    found = figures(build_annual_report(cast.centre, 2018), HEADINGS[1])
    assert found["窗口受理办件（件）"] == 3
