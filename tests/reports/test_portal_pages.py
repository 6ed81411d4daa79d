"""年度报告 on the portal: published reports only, as published, with their files."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.reports.test_workflow import in_review
from yimen.reports import services

pytestmark = pytest.mark.django_db


def test_the_nav_shows_annual_reports_and_the_index_lists_published_ones_only(requests, cast) -> None:
    services.approve_and_publish(report=in_review(cast), by=cast.head)
    services.start_report(organisation=cast.centre, year=2022, by=cast.officer)  # a draft: not public
    home = Client().get("/").content.decode()
    assert '<a href="/reports/">年度报告</a>' in home
    page = Client().get("/reports/").content.decode()
    assert "2023年度" in page and "2022年度" not in page
    assert "咸宁市政务服务中心2023年政府信息公开工作年度报告" in page


def test_the_public_reads_the_report_and_downloads_its_files(requests, cast) -> None:
    services.approve_and_publish(report=in_review(cast), by=cast.head)
    page = Client().get("/reports/ZWFW/2023/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<h1 class="report-title">咸宁市政务服务中心2023年政府信息公开工作年度报告</h1>' in html
    assert "（七）总计" in html and "/office/" not in html.split("<main")[1].split("</main>")[0]
    pdf = Client().get("/reports/ZWFW/2023/report.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    docx = Client().get("/reports/ZWFW/2023/report.docx")
    assert docx.content.startswith(b"PK")


def test_an_unpublished_report_is_not_found(requests, cast) -> None:
    in_review(cast)
    assert Client().get("/reports/ZWFW/2023/").status_code == 404
    assert Client().get("/reports/ZWFW/2023/report.pdf").status_code == 404
