"""The demo opens with the centre's 2018 report in the seed's format — its figures the seed's (1,683
publications, 189 licensing items with guides, 277 forms, 66 units, 520 items, 165 requests all answered on
time, no fees, no appeals) counted from the demo's records — and its recent years in the 2021 format."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from yimen.demo import cases as cases_demo
from yimen.demo import catalog as catalog_demo
from yimen.demo import disclosure as disclosure_demo
from yimen.demo import org as org_demo
from yimen.demo import publishing as publishing_demo
from yimen.demo import reports as demo
from yimen.reports.models import AnnualReport, ReportState

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_the_2018_report_and_the_recent_years(settings) -> None:
    org_demo.load()
    catalog_demo.load()
    cases_demo.load(count=1500)
    publishing_demo.load(per_year=120)
    disclosure_demo.load(per_year=30)
    summary = demo.load(count=1500)
    this_year = timezone.localdate().year

    reports = {r.year: r for r in AnnualReport.objects.select_related("publication")}
    assert sorted(reports) == [2018, *range(this_year - 4, this_year + 1)], summary
    assert all(r.state == ReportState.PUBLISHED for y, r in reports.items() if y < this_year), summary
    assert reports[this_year].state == ReportState.DRAFT

    seed_year = reports[2018]
    assert seed_year.format == "2008"
    figures = {
        label: value
        for part in seed_year.figures.values()
        if isinstance(part, dict)
        for label, value in part.get("数据", {}).items()
    }
    assert figures["公开发布信息（条）"] == 1683
    assert figures["公示办事指南的行政许可事项（项）"] == 189
    assert figures["网上公示的申请表格（份）"] == 277
    assert figures["进驻窗口单位（个）"] == 66
    assert figures["进驻行政审批和服务事项（项）"] == 520
    assert figures["窗口受理办件（件）"] == 1500
    assert 93 <= figures["窗口即办件率（%）"] <= 97
    assert (figures["收到政府信息公开申请（件）"], figures["按期答复（件）"], figures["不予公开（件）"]) == (
        165,
        165,
        0,
    )
    assert figures["收取费用（件）"] == 0 and figures["行政复议（件）"] == figures["行政诉讼（件）"] == 0
    assert (
        "均已按期回复，无不予公开信息"
        in seed_year.figures["四、依申请公开政府信息和不予公开政府信息的情况"]["文字"]
    )
    assert all(r.figures["勾稽关系检查"] == [] for y, r in reports.items() if y < this_year)

    page = Client().get("/reports/").content.decode()
    assert "咸宁市政务服务中心2018年度政府信息公开工作报告" in page
    assert "已存在" in demo.load() and AnnualReport.objects.count() == len(reports)
