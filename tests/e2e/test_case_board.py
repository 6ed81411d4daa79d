"""In a real browser: a result concluded at a window appears on the public board and on the hall's big
screen within seconds, without reloading, under the site's strict Content-Security-Policy."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import expect

from tests.cases import conftest as cases
from tests.cases.conftest import APPLICANT, file
from yimen.cases.models import Result
from yimen.cases.services import steps

pytestmark = pytest.mark.browser

BOARD_SCREENSHOT = "/tmp/yimen-case-board.png"
SCREEN_SCREENSHOT = "/tmp/yimen-case-screen.png"

# What the browser does when the tab is hidden or shown again.
VISIBILITY = """hidden => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  document.dispatchEvent(new Event("visibilitychange"));
}"""

# The cases' fixtures, for these tests too: a 20-working-day licence and a 即办件.
licence = cases.licence
instant = cases.instant


def polls(log) -> int:
    return sum(url.endswith("/cases/board/data/") for url in log.requests)


def conclude_now(item, cast, name: str) -> None:
    case = file(item, cast, replace(APPLICANT, name=name))
    case = steps.accept(case=case, by=cast.clerk)
    steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="JY14212000009")


def test_a_new_result_appears_on_the_board_without_reloading(
    transactional_db, live_server, cast, licence, page, page_log
) -> None:
    conclude_now(licence, cast, "张三")
    page.goto(f"{live_server.url}/cases/board/")
    rows = page.get_by_test_id("board").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("张*")
    expect(rows.first).to_contain_text("0715-8212345")
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads

    conclude_now(licence, cast, "王小明")

    expect(rows.first).to_contain_text("王**", timeout=10_000)
    expect(rows.first).to_contain_text("B012 市场监管窗口")
    expect(rows.first).to_contain_text("出证办结")
    expect(rows).to_have_count(2)
    page.screenshot(path=BOARD_SCREENSHOT, full_page=True)

    page.evaluate(VISIBILITY, True)
    hidden_at = polls(page_log)
    page.wait_for_timeout(6_000)  # longer than one 5-second interval
    assert polls(page_log) == hidden_at, "the board kept polling in a hidden tab"
    with page.expect_request(lambda request: request.url.endswith("/cases/board/data/"), timeout=2_000):
        page.evaluate(VISIBILITY, False)  # shown again: refreshed at once, not after the next interval
    assert page.evaluate("window.loadedOnce") is True
    assert "王小明" not in page.content() and "张三" not in page.content()
    page_log.assert_clean(live_server.url)


def test_the_big_screen_shows_today_and_keeps_itself_current(
    transactional_db, live_server, cast, licence, instant, page, page_log
) -> None:
    steps.accept_immediately(case=file(instant, cast), by=cast.clerk, certificate_no="YZ1")
    waiting = steps.accept(case=file(licence, cast, replace(APPLICANT, name="王小明")), by=cast.clerk)

    page.goto(f"{live_server.url}/cases/screen/")
    expect(page.get_by_test_id("accepted")).to_have_text("2")
    expect(page.get_by_test_id("concluded")).to_have_text("1")
    expect(page.get_by_test_id("immediate-rate")).to_have_text("100.0%")
    expect(page.get_by_test_id("screen")).to_contain_text("营业执照遗失补领")
    expect(page.locator("body")).to_have_css("background-color", "rgb(11, 26, 46)")

    steps.conclude(case=waiting, by=cast.reviewer, result=Result.ISSUED, certificate_no="JY14212000010")

    expect(page.get_by_test_id("concluded")).to_have_text("2", timeout=15_000)
    expect(page.get_by_test_id("immediate-rate")).to_have_text("50.0%")
    expect(page.get_by_test_id("screen").locator("li").first).to_contain_text("王**")
    page.screenshot(path=SCREEN_SCREENSHOT)
    page_log.assert_clean(live_server.url)


def test_on_a_small_screen_the_results_scroll_in_a_loop(
    transactional_db, live_server, cast, instant, phone_page, page_log
) -> None:
    for _ in range(6):
        steps.accept_immediately(case=file(instant, cast), by=cast.clerk, certificate_no="YZ1")

    phone_page.goto(f"{live_server.url}/cases/screen/")

    track = phone_page.locator("ol[data-rows]")
    expect(track).to_have_class("screen-track scrolling")
    expect(track.locator("li:not([aria-hidden])")).to_have_count(6)
    expect(track.locator("li[aria-hidden=true]")).to_have_count(6)  # the copy that closes the loop
    expect(track).to_have_css("animation-name", "screen-scroll")
    page_log.assert_clean(live_server.url)
