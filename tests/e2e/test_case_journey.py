"""One case, as the people involved see it in a browser: the clerk takes it at the window and finishes
it on the spot, the live board shows the result within seconds, the applicant looks it up with the
查询码 and evaluates the service from the link in the SMS."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from yimen.cases.links import evaluation_path
from yimen.cases.models import Case, Evaluation

pytestmark = pytest.mark.browser


def test_window_to_board_to_lookup_to_evaluation(
    transactional_db, live_server, cast, instant, browser, page, page_log
) -> None:
    board_context, applicant_context = (
        browser.new_context(locale="zh-CN"),
        browser.new_context(locale="zh-CN"),
    )
    board, applicant = board_context.new_page(), applicant_context.new_page()
    page_log.attach(board)
    page_log.attach(applicant)
    board.goto(f"{live_server.url}/cases/board/")

    page.goto(f"{live_server.url}/office/login/")
    page.locator("#id_username").fill("clerk")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/office/cases/intake/{instant.pk}/")
    page.locator("input[name=name]").fill("张三")
    page.locator("input[name=id_number]").fill("11010519491231002X")
    page.locator("input[name=phone]").fill("13812345678")
    page.locator("input[name=certificate_no]").fill("BL2026000001")
    page.get_by_test_id("finish").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("办结")

    case = Case.objects.get()
    expect(board.locator("body")).to_contain_text("张*", timeout=10_000)
    expect(board.locator("body")).to_contain_text("营业执照遗失补领")
    assert "张三" not in board.content()

    applicant.goto(f"{live_server.url}/cases/")
    applicant.locator("input[name=number]").fill(case.number)
    applicant.locator("input[name=code]").fill(case.query_code)
    applicant.get_by_role("button", name="查询").click()
    expect(applicant.locator("body")).to_contain_text("出证办结")
    expect(applicant.locator("body")).to_contain_text("受理")

    applicant.goto(f"{live_server.url}{evaluation_path(case)}")
    applicant.get_by_label("非常满意").first.check()
    applicant.get_by_role("button", name="提交评价").click()
    expect(applicant.locator("body")).to_contain_text("感谢您的评价")
    assert Evaluation.objects.get(case=case).level == 5

    page_log.assert_clean(live_server.url)
    board_context.close()
    applicant_context.close()
