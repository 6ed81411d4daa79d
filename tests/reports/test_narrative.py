"""Sections 一, 五 and 六 start with sentences that quote the computed figures; the officer's text replaces them."""

from __future__ import annotations

import pytest

from yimen.reports.builder import build_annual_report

pytestmark = pytest.mark.django_db


def test_section_one_quotes_the_requests_of_table_three(requests, cast) -> None:
    text = build_annual_report(cast.centre, 2023).section("一、总体情况").text
    assert text.startswith("（一）主动公开")
    for heading in ("（二）依申请公开", "（三）政府信息管理", "（四）政府信息公开平台建设", "（五）监督保障"):
        assert heading in text
    assert (
        "全年新收政府信息公开申请8件，上年结转2件；本年办结7件，其中予以公开2件、部分公开1件、不予公开1件、无法提供1件"
        in text
    )
    assert "办结的申请中5件在法定期限内答复" in text
    assert "结转下年度继续办理3件" in text


def test_section_one_quotes_the_normative_documents_and_publications(documents, cast) -> None:
    text = build_annual_report(cast.market, 2023).section("一、总体情况").text
    # Published in 2023: the April normative document and the February regulation, both under 政策文件.
    assert "主动公开政府信息2条，其中政策文件2条" in text
    assert "本年制发规章1件、行政规范性文件1件，废止行政规范性文件1件" in text
    assert "年末现行有效的行政规范性文件3件、规章1件" in text


def test_section_five_names_the_late_answers_and_section_six_the_fees(requests, fees, cast) -> None:
    report = build_annual_report(cast.centre, 2023)
    assert "有2件政府信息公开申请未在法定期限内答复" in report.section("五、存在的主要问题及改进情况").text
    six = report.section("六、其他需要报告的事项").text
    assert "共发出信息处理费收费通知3件，收取信息处理费1件，共计100元" in six


def test_a_year_without_fees_says_none_were_collected(requests, cast) -> None:
    assert (
        "2023年市政务办未收取信息处理费"
        not in build_annual_report(cast.centre, 2023).section("六、其他需要报告的事项").text
    )  # the centre in the cast has no short name: its full name is used
    assert (
        "2023年咸宁市政务服务中心未收取信息处理费"
        in build_annual_report(cast.centre, 2023).section("六、其他需要报告的事项").text
    )


def test_the_officers_text_replaces_the_prefilled_one_and_only_for_editable_sections(requests, cast) -> None:
    report = build_annual_report(
        cast.centre,
        2023,
        narrative_texts={
            "五、存在的主要问题及改进情况": "网站检索功能有待完善。",
            "三、收到和处理政府信息公开申请情况": "x",
        },
    )
    assert report.section("五、存在的主要问题及改进情况").text == "网站检索功能有待完善。"
    assert report.section("三、收到和处理政府信息公开申请情况").table is not None
    assert [s.title for s in report.sections if s.editable] == [
        "一、总体情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]


def test_a_governments_section_six_asks_for_the_assessment_results(cast) -> None:
    """条例第五十条第（四）项: a government's report also covers 工作考核、社会评议和责任追究结果."""
    assert (
        "工作考核、社会评议和责任追究结果"
        in build_annual_report(cast.government, 2023).section("六、其他需要报告的事项").text
    )
    assert "工作考核" not in build_annual_report(cast.centre, 2023).section("六、其他需要报告的事项").text
