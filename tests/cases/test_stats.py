"""办件统计: a known set of October 2024 cases and the figures the page, the API and the Excel file give.

Ten cases concluded in October 2024 at 市市场监管局's window B012: six 即办件 concluded on the spot,
three licences (承诺 20 working days, accepted 09-27 and due 10-30) concluded on time — two of them
before the due day — and one concluded late on 10-31.
"""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.cases.conftest import file, local
from tests.cases.test_supervision import ACCEPTED, police_case
from tests.conftest import PASSWORD, make_staff
from yimen.cases.models import Case, Result
from yimen.cases.queries import stats
from yimen.cases.queries.stats import By, StatsFilter
from yimen.cases.services import steps
from yimen.catalog.models import ServiceItem
from yimen.org.models import Role

pytestmark = pytest.mark.django_db

OCTOBER = {"start": date(2024, 10, 1), "end": date(2024, 10, 31)}


def concluded(item: ServiceItem, cast, accepted: datetime, done: datetime) -> Case:
    case = steps.accept(case=file(item, cast), by=cast.clerk, at=accepted)
    return steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="ZZ-1", at=done)


def october_cases(licence: ServiceItem, instant: ServiceItem, cast) -> None:
    for day in (8, 9, 10, 11, 14, 15):
        concluded(instant, cast, local(2024, 10, day, 9), local(2024, 10, day, 9))
    concluded(licence, cast, ACCEPTED, local(2024, 10, 25, 10))
    concluded(licence, cast, ACCEPTED, local(2024, 10, 29, 10))
    concluded(licence, cast, ACCEPTED, local(2024, 10, 30, 15))
    concluded(licence, cast, ACCEPTED, local(2024, 10, 31, 9))


@pytest.fixture
def october(licence, instant, cast) -> None:
    october_cases(licence, instant, cast)


def test_ten_concluded_cases_give_the_rates_by_their_definitions(october, cast) -> None:
    rows, total = stats.case_stats(StatsFilter(**OCTOBER))
    assert [r.label for r in rows] == ["咸宁市市场监督管理局"]
    figures = total.as_dict()
    assert figures["accepted"] == 6  # the licences were accepted in September
    assert figures["concluded"] == 10
    assert figures["immediate_rate"] == 60.0
    assert figures["on_time_rate"] == 90.0
    assert figures["early_rate"] == 20.0
    assert figures["overdue"] == 1 and figures["overdue_concluded"] == 1
    # Exact working days used: 17, 19, 20, 21 (avg 19.25); calendar days × October's share (19/31): 19.5.
    assert figures["average_workdays"] == 19.5


def test_an_open_case_past_its_deadline_counts_as_overdue(licence, cast) -> None:
    steps.accept(case=file(licence, cast), by=cast.clerk, at=local(2024, 10, 8, 9))
    _, total = stats.case_stats(StatsFilter(**OCTOBER), now=local(2024, 11, 20, 9))
    assert (total.accepted, total.concluded, total.overdue_open, total.overdue) == (1, 0, 1, 1)
    assert total.on_time_rate is None  # nothing concluded: no rate, not 0%


def test_by_organisation_window_item_and_month(october, licence, instant, people, cast) -> None:
    police_case(people, cast)
    autumn = {"start": date(2024, 9, 1), "end": date(2024, 11, 30)}
    by_org, _ = stats.case_stats(StatsFilter(**autumn))
    assert [(r.label, r.accepted, r.concluded) for r in by_org] == [
        ("咸宁市公安局", 1, 0),
        ("咸宁市市场监督管理局", 10, 10),
    ]
    by_month, _ = stats.case_stats(StatsFilter(**autumn, by=By.MONTH))
    assert [(r.label, r.accepted, r.concluded) for r in by_month] == [
        ("2024年9月", 5, 0),
        ("2024年10月", 6, 10),
    ]
    by_window, _ = stats.case_stats(StatsFilter(**autumn, by=By.WINDOW))
    assert [(r.label, r.accepted) for r in by_window] == [
        ("B012 市场监管窗口", 10),
        ("网上申报（无窗口）", 1),
    ]
    by_item, _ = stats.case_stats(StatsFilter(**OCTOBER, by=By.ITEM))
    assert {r.label: r.immediate_rate for r in by_item} == {
        f"食品经营许可证核发（{licence.impl_code}）": 0.0,
        f"营业执照遗失补领（{instant.impl_code}）": 100.0,
    }
    only_police, _ = stats.case_stats(StatsFilter(**autumn, organisations={cast.police.pk}))
    assert [r.label for r in only_police] == ["咸宁市公安局"]


# The statistics page and its Excel export.


def test_the_page_shows_the_figures_with_their_definitions_and_chart_data(
    client: Client, october, cast
) -> None:
    client.login(username="reviewer", password=PASSWORD)
    page = client.get("/office/supervision/stats/", {"start": "2024-10-01", "end": "2024-10-31"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "即办件率" in html and "即办件（承诺时限为 0，当场办结）的办结数 ÷ 办结量" in html
    assert "<td>60.0%</td>" in html and "<td>90.0%</td>" in html and "<td>19.5</td>" in html
    assert 'id="chart-data" type="application/json"' in html
    assert "/static/vendor/echarts/echarts.min.js" in html and "<script>" not in html
    by_month = client.get(
        "/office/supervision/stats/", {"start": "2024-10-01", "end": "2024-10-31", "by": "month"}
    )
    assert "2024年10月" in by_month.content.decode()


def test_staff_of_another_organisation_see_only_their_own_rows(client: Client, october, people, cast) -> None:
    police_case(people, cast)
    make_staff("police_rev", "周公安", cast.police, (Role.REVIEWER, cast.police))
    client.login(username="police_rev", password=PASSWORD)
    html = client.get(
        "/office/supervision/stats/", {"start": "2024-09-01", "end": "2024-10-31"}
    ).content.decode()
    assert "咸宁市公安局" in html and "咸宁市市场监督管理局" not in html
    # Asking for another organisation is a form error, not its figures.
    page = client.get("/office/supervision/stats/", {"organisation": cast.market.pk})
    assert page.status_code == 422 and "单位：不在您可查看的范围内" in page.content.decode()


def test_the_excel_export_reads_back_as_the_page(client: Client, october, cast) -> None:
    client.force_login(cast.supervisor)
    response = client.get("/office/supervision/stats/export/", {"start": "2024-10-01", "end": "2024-10-31"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    sheet = book["办件统计"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["单位", "受理量", "办结量", "即办件数"]
    market, total = [c.value for c in sheet[2]], [c.value for c in sheet[3]]
    assert market[0] == "咸宁市市场监督管理局" and total[0] == "合计"
    figures = dict(zip(header, total, strict=True))
    assert (figures["办结量"], figures["即办件率（%）"], figures["按时办结率（%）"], figures["超期件数"]) == (
        10,
        60.0,
        90.0,
        1,
    )
    notes = [[cell.value for cell in row] for row in book["指标说明"].iter_rows(min_row=2)]
    assert notes[0] == ["统计期", "2024-10-01 至 2024-10-31（按单位）"]
    assert [row[0] for row in notes[1:4]] == [
        "受理量",
        "办结量",
        "即办件率",
    ]


def test_a_clerk_may_not_see_statistics(client: Client, cast) -> None:
    client.login(username="clerk", password=PASSWORD)
    assert client.get("/office/supervision/stats/").status_code == 403
