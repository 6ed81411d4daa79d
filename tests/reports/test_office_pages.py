"""The annual report in the office: starting it, its tables with links to their records and their counting
rules, broken consistency rules with their requests, and editing the text sections."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in
from tests.reports.conftest import make_request
from yimen.disclosure.models import ApplicantType
from yimen.org.models import Staff
from yimen.reports import services
from yimen.reports.models import AnnualReport
from yimen.reports.records import cell_records

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    """Password and, for 监察, the TOTP code (tests/conftest.py: sign_in)."""
    return sign_in(Client(), Staff.objects.get(username=username))


def started(cast, org=None, year: int = 2023) -> AnnualReport:
    return services.start_report(organisation=org or cast.centre, year=year, by=cast.officer)


def test_the_officer_starts_a_report_from_the_list(requests, cast) -> None:
    officer = signed_in("officer")
    page = officer.get("/office/reports/")
    assert page.status_code == 200
    assert "编制报告" in page.content.decode()
    response = officer.post("/office/reports/start/", {"organisation": cast.centre.pk, "year": 2023})
    report = AnnualReport.objects.get(organisation=cast.centre, year=2023)
    assert response.status_code == 302 and response["Location"] == f"/office/reports/{report.pk}/"
    assert report.state == "draft" and report.format == "2021"
    assert set(report.narrative) == {"一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"}
    assert "全年新收政府信息公开申请8件" in report.narrative["一、总体情况"]


def test_a_report_for_an_organisation_out_of_reach_or_a_future_year_is_refused(cast) -> None:
    officer = signed_in("officer")
    police = officer.post("/office/reports/start/", {"organisation": cast.police.pk, "year": 2023})
    assert police.status_code == 422 and "机构：不在您可编制的范围内" in police.content.decode()
    future = officer.post("/office/reports/start/", {"organisation": cast.centre.pk, "year": 2099})
    assert future.status_code == 422 and "报告年度：应在 2008 年至" in future.content.decode()
    assert not AnnualReport.objects.exists()


def test_every_number_links_to_the_records_it_counts(requests, appeals, cast) -> None:
    report = started(cast)
    html = signed_in("officer").get(f"/office/reports/{report.pk}/").content.decode()
    links = re.findall(r'<td class="num"[^>]*><a href="([^"]+)">(\d+(?:\.\d+)?)</a>', html)
    links = [(unescape(url), value) for url, value in links]
    assert len(links) == 6 + 1 + 2 + 1 + 25 * 7 + 15  # table 二 has 10 cells in 4 groups; 三 175; 四 15
    officer = signed_in("officer")
    for url, value in links:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
        found = cell_records(
            cast.centre, 2023, query["table"], query["row"], query["column"], query["caption"]
        )
        assert found.records.count() == int(float(value)), query
    natural_new = next(url for url, _ in links if "row=new" in url and "%E8%87%AA%E7%84%B6%E4%BA%BA" in url)
    page = officer.get(natural_new).content.decode()
    assert "共 2 条记录" in page and "YSQ-C" in page and "YSQ-K" in page
    assert f'<a href="{reverse("office_disclosure:detail", args=[requests["C"].pk])}">YSQ-C</a>' in page


def test_the_records_behind_publication_cells_match_publishings_counts(documents, cast) -> None:
    from yimen.publishing.queries import annual_counts

    counted = annual_counts(cast.market, 2023)
    for kind, columns in counted.items():
        for column, value in columns.items():
            assert cell_records(cast.market, 2023, "proactive", kind, column).records.count() == value


def test_the_counting_rules_are_shown_under_each_table(requests, cast) -> None:
    html = signed_in("officer").get(f"/office/reports/{started(cast).pk}/").content.decode()
    assert html.count('class="report-rules"') == 4  # 二, 三, 四 and 六
    assert "requests received before 1 Jan Y and not closed before 1 Jan Y" in html


def test_a_broken_column_is_shown_with_the_requests_behind_it(requests, cast) -> None:
    broken = make_request(cast.centre, "M", ApplicantType.RESEARCH, date(2023, 4, 1), date(2023, 4, 20), "")
    html = signed_in("officer").get(f"/office/reports/{started(cast).pk}/").content.decode()
    assert 'data-testid="broken-checks"' in html
    assert (
        "科研机构</strong>：一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理，左边 2，右边 1"
        in html
    )
    assert f'href="{reverse("office_disclosure:detail", args=[broken.pk])}">YSQ-M</a>' in html


def test_the_officer_edits_section_five(requests, cast) -> None:
    report = started(cast)
    officer = signed_in("officer")
    page = officer.get(f"/office/reports/{report.pk}/").content.decode()
    assert '<label for="id_section_5">五、存在的主要问题及改进情况</label>' in page
    response = officer.post(
        f"/office/reports/{report.pk}/narrative/",
        {
            "lock_version": report.lock_version,
            "section_1": report.narrative["一、总体情况"],
            "section_5": "一是网站检索功能有待完善。\n二是政策解读形式单一。",
            "section_6": report.narrative["六、其他需要报告的事项"],
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (
        report.narrative["五、存在的主要问题及改进情况"]
        == "一是网站检索功能有待完善。\n二是政策解读形式单一。"
    )
    html = officer.get(f"/office/reports/{report.pk}/").content.decode()
    assert "<p>一是网站检索功能有待完善。</p><p>二是政策解读形式单一。</p>" in html


def test_an_empty_section_or_a_stale_page_changes_nothing(requests, cast) -> None:
    report = started(cast)
    officer = signed_in("officer")
    before = dict(report.narrative)
    empty = officer.post(
        f"/office/reports/{report.pk}/narrative/",
        {"lock_version": report.lock_version, "section_1": "x", "section_5": "  ", "section_6": "y"},
    )
    assert empty.status_code == 422 and "五、存在的主要问题及改进情况：不能为空" in empty.content.decode()
    stale = officer.post(
        f"/office/reports/{report.pk}/narrative/",
        {"lock_version": report.lock_version - 1, "section_1": "x", "section_5": "z", "section_6": "y"},
    )
    assert stale.status_code == 409 and "报告已被他人修改" in stale.content.decode()
    report.refresh_from_db()
    assert report.narrative == before


def test_someone_without_a_report_role_over_it_cannot_see_it(requests, cast) -> None:
    report = started(cast)
    assert signed_in("other").get(f"/office/reports/{report.pk}/").status_code == 404
    assert signed_in("other").get("/office/reports/").status_code == 403


def test_downloads_from_the_office(requests, cast) -> None:
    report = started(cast)
    officer = signed_in("officer")
    pdf = officer.get(f"/office/reports/{report.pk}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert officer.get(f"/office/reports/{report.pk}/report.json").json()["年度"] == 2023
