"""The administrator's calendar page: see a year, load a notice, adjust a day; others are refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from yimen.core import calendar
from yimen.core.models import CalendarYear

pytestmark = pytest.mark.django_db

NOTICE_2027 = {
    "year": "2027",
    "title": "国务院办公厅关于2027年部分节假日安排的通知",
    "holidays": "2027-01-01 至 2027-01-03 元旦\n2027-02-06 至 2027-02-13 春节\n2027-04-05 清明节",
    "workdays": "2027-02-14 春节",
}


@pytest.fixture
def admin_client(client: Client, cast) -> Client:
    client.force_login(cast.admin)
    return client


def test_a_year_without_a_notice_shows_the_provisional_badge(admin_client: Client) -> None:
    page = admin_client.get("/office/calendar/?year=2027").content.decode()
    assert 'data-testid="provisional"' in page and "暂按周末规则" in page


def test_a_loaded_year_shows_its_holidays_and_the_notice_for_editing(admin_client: Client) -> None:
    page = admin_client.get("/office/calendar/?year=2024").content.decode()
    assert "已载入" in page
    assert 'class="rest" title="国庆节放假" data-date="2024-10-01"' in page
    assert 'class="workday-adjusted" title="国庆节调休上班" data-date="2024-09-29"' in page
    assert "2024-10-01 至 2024-10-07 国庆节" in page  # the notice, folded back into ranges


def test_loading_a_notice_through_the_page(admin_client: Client) -> None:
    response = admin_client.post("/office/calendar/notice/?year=2027", NOTICE_2027, follow=True)
    assert "2027年放假通知已载入" in response.content.decode()
    assert CalendarYear.objects.filter(year=2027).exists()
    assert calendar.add_workdays(date(2027, 2, 5), 1) == calendar.WorkdayDate(date(2027, 2, 14), False)


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        ("2027-02-30 至 2027-03-01 春节", "", "放假安排第 1 行：2027-02-30 不是有效日期"),
        ("2027-01-01 至 2027-01-03", "", "放假安排第 1 行：缺少节日名称"),
        ("元旦放三天", "", "放假安排第 1 行：应为“开始日期 至 结束日期 名称”"),
        ("2027-01-01 元旦", "2027-02-15 春节", "2027-02-15：调休上班日必须是周六或周日"),
        ("", "", "放假安排：至少填写一段放假日期"),
    ],
)
def test_a_bad_notice_is_shown_back_with_the_line_and_rule(
    admin_client: Client, holidays, workdays, message
) -> None:
    response = admin_client.post(
        "/office/calendar/notice/?year=2027", {**NOTICE_2027, "holidays": holidays, "workdays": workdays}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_adjusting_a_single_day(admin_client: Client) -> None:
    response = admin_client.post(
        "/office/calendar/day/", {"day": "2024-11-08", "is_workday": "0", "note": "台风停止办公"}, follow=True
    )
    assert "2024-11-08 已调整为休息日" in response.content.decode()
    assert not calendar.is_workday(date(2024, 11, 8))


def test_staff_without_the_role_get_403(client: Client, cast) -> None:
    client.force_login(cast.clerk)
    assert client.get("/office/calendar/").status_code == 403
    response = client.post("/office/calendar/day/", {"day": "2024-11-08", "is_workday": "0", "note": "x"})
    assert response.status_code == 403
    assert calendar.is_workday(date(2024, 11, 8))


def test_signed_out_visitors_are_sent_to_login(client: Client, cast) -> None:
    response = client.get("/office/calendar/")
    assert response.status_code == 302 and response["Location"].startswith("/office/login/")
