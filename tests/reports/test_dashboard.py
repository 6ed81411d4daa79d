"""统计图表: the office's charts over the organisations one may see, the public page over all, each chart with its
numbers in a table, and Excel exports of the same numbers."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import make_staff
from tests.reports.test_office_pages import signed_in
from yimen.org.models import Role
from yimen.reports import dashboard

pytestmark = pytest.mark.django_db


def table(chart: dashboard.Chart) -> dict[str, list[object]]:
    return {str(row[0]): row[1:] for row in chart.rows}


def by_key(charts: list[dashboard.Chart]) -> dict[str, dashboard.Chart]:
    return {c.key: c for c in charts}


def test_cases_by_month_and_unit_with_their_rates(licensing, cast) -> None:
    charts = by_key(dashboard.charts(2023, None))
    months = table(charts["cases-month"])
    assert months == {"2023年3月": [1, 1], "2023年4月": [1, 1], "2023年6月": [1, 1], "2023年12月": [1, 1]}
    assert table(charts["cases-organisation"]) == {"咸宁市市场监督管理局": [4, 4]}
    rates = table(charts["cases-rates"])
    assert rates["2023年4月"] == [100.0, 0.0]  # a 即办件, but concluded nine days after acceptance
    assert rates["2023年3月"][0] == 0.0


def test_disclosure_requests_by_outcome(requests, cast) -> None:
    chart = by_key(dashboard.charts(2023, None))["requests-outcome"]
    assert table(chart) == {
        "予以公开": [2],
        "部分公开": [1],
        "不予公开：保护第三方合法权益": [1],
        "无法提供：本机关不掌握相关政府信息": [1],
        "不予处理：重复申请": [1],
        "其他处理：申请人无正当理由逾期不补正": [1],
    }


def test_publication_timeliness_by_unit(documents, cast) -> None:
    chart = by_key(dashboard.charts(2023, None))["publication-timeliness"]
    assert table(chart) == {"咸宁市市场监督管理局": [2, 2, 100.0]}


def test_a_reviewer_sees_only_their_units_figures(licensing, requests, cast) -> None:
    charts = by_key(dashboard.charts(2023, {cast.police.pk}))
    assert table(charts["cases-organisation"]) == {}
    assert table(charts["requests-outcome"]) == {}


def test_the_office_page_draws_each_chart_with_its_table_and_no_inline_script(licensing, cast) -> None:
    response = signed_in("supervisor").get("/office/reports/dashboard/?year=2023")
    html = response.content.decode()
    assert response.status_code == 200
    for key in (
        "cases-month",
        "cases-organisation",
        "cases-rates",
        "requests-outcome",
        "publication-timeliness",
        "satisfaction",
    ):
        assert f'id="chart-{key}"' in html and f'data-testid="chart-{key}"' in html
    assert '<th scope="row">2023年3月</th><td>1</td><td>1</td>' in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert "/static/vendor/echarts/echarts.min.js" in html


def test_the_office_export_has_one_sheet_per_chart(licensing, cast) -> None:
    response = signed_in("supervisor").get("/office/reports/dashboard.xlsx?year=2023")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [c.title[:31] for c in dashboard.charts(2023, None)]
    sheet = book["办件量（按月）"]
    assert [c.value for c in sheet[1]] == [None, "受理量", "办结量"] or [c.value for c in sheet[1]][1:] == [
        "受理量",
        "办结量",
    ]
    assert [c.value for c in sheet[2]] == ["2023年3月", 1, 1]


def test_the_officer_without_statistics_cannot_open_it(cast) -> None:
    assert signed_in("officer").get("/office/reports/dashboard/").status_code == 403


def test_who_writes_reports_and_reads_statistics_sees_what_is_due(cast, monkeypatch) -> None:
    make_staff("both", "吴双", cast.centre, (Role.OFFICER, cast.centre), (Role.SUPERVISOR, cast.centre))
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2024, 1, 20))
    html = signed_in("both").get("/office/reports/dashboard/").content.decode()
    assert "咸宁市政务服务中心 2023年度报告：尚未编制，1月31日前公布（剩余 11 天）" in html


def test_the_public_statistics_page_and_its_export(requests, cast) -> None:
    page = Client().get("/reports/statistics/?year=2023")
    assert page.status_code == 200
    assert '<th scope="row">予以公开</th><td>2</td>' in page.content.decode()
    book = load_workbook(io.BytesIO(Client().get("/reports/statistics.xlsx?year=2023").content))
    assert "依申请公开办理结果" in book.sheetnames


def test_a_year_out_of_range_shows_this_year(cast) -> None:
    assert dashboard.chosen_year("1900", date(2026, 5, 1)) == 2008
    assert dashboard.chosen_year("abc", date(2026, 5, 1)) == 2026
    assert dashboard.chosen_year("2999", date(2026, 5, 1)) == 2026
