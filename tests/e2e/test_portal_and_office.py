"""What a visitor and staff see in a real browser: 大字版 that sticks, signing in, a phone screen."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from yimen.office.forms import SIGN_IN_REFUSED

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/yimen-large-text.png"
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def expect_text_size(page: Any, *, large: bool) -> None:
    html = page.locator("html")
    toggle = page.get_by_test_id("large-text-toggle")
    if large:
        expect(html).to_have_class(re.compile(r"(^|\s)large-text(\s|$)"))
        expect(html).to_have_css("font-size", "21px")
        expect(toggle).to_have_text("标准字号")
        expect(toggle).to_have_attribute("aria-pressed", "true")
    else:
        expect(html).not_to_have_class(re.compile(r"(^|\s)large-text(\s|$)"))
        expect(html).to_have_css("font-size", "16px")
        expect(toggle).to_have_text("大字版（适老化）")
        expect(toggle).to_have_attribute("aria-pressed", "false")


def test_large_text_mode_persists_across_reload(transactional_db, live_server, cast, page, page_log) -> None:
    page.goto(f"{live_server.url}/")
    expect(page).to_have_title(re.compile("咸宁市政务服务中心"))
    expect(page.get_by_role("heading", level=1)).to_have_text("咸宁市政务服务中心")
    footer = page.locator("footer")
    expect(footer).to_contain_text("地址：咸宁市咸安区金桂路 99 号")
    expect(footer).to_contain_text("监督电话：0715-12345")
    expect_text_size(page, large=False)

    page.get_by_test_id("large-text-toggle").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect_text_size(page, large=True)
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.reload()
    expect_text_size(page, large=True)

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="进驻单位").click()
    expect(page).to_have_url(f"{live_server.url}/units/")
    expect(page.get_by_role("heading", level=1)).to_have_text("进驻单位与窗口")
    expect(page.get_by_role("table")).to_contain_text("咸宁市市场监督管理局")
    expect_text_size(page, large=True)

    page.get_by_test_id("large-text-toggle").click()
    expect(page).to_have_url(f"{live_server.url}/units/")
    expect_text_size(page, large=False)

    page_log.assert_clean(live_server.url)


def test_staff_logs_in_to_the_office_and_sees_their_organisation_and_role(
    transactional_db, live_server, cast, page, page_log
) -> None:
    login_url = f"{live_server.url}/office/login/"
    page.goto(login_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("工作人员登录")

    page.locator("#id_username").fill("clerk")
    page.locator("#id_password").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text(SIGN_IN_REFUSED)
    expect(page).to_have_url(login_url)
    expect(page.get_by_test_id("office-user")).to_have_count(0)

    page.locator("#id_username").fill("clerk")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/office/")
    expect(page.get_by_test_id("office-user")).to_contain_text("李窗口")
    expect(page.get_by_test_id("office-user")).to_contain_text("咸宁市市场监督管理局")
    expect(page.get_by_test_id("home-organisation")).to_have_text("咸宁市市场监督管理局")
    expect(page.get_by_test_id("home-roles")).to_contain_text("窗口人员 · 咸宁市市场监督管理局")

    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(login_url)
    expect(page.get_by_text("已安全退出。")).to_be_visible()
    expect(page.get_by_test_id("office-user")).to_have_count(0)

    page_log.assert_clean(live_server.url)


def test_the_supervisor_enrols_an_authenticator_and_signs_in_with_its_code(
    transactional_db, live_server, cast, page, page_log
) -> None:
    """GB/T 22239-2019 8.1.4.1 d: password, then the QR code to enrol, then the app's code."""
    TOTPDevice.objects.filter(user=cast.supervisor).delete()
    page.goto(f"{live_server.url}/office/login/?next=/office/audit/")
    page.locator("#id_username").fill("supervisor")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/office/login/code/")
    expect(page.get_by_test_id("totp-qr")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.goto(f"{live_server.url}/office/audit/")  # not signed in yet: back to the sign-in
    expect(page).to_have_url(re.compile(r"/office/login/"))
    page.goto(f"{live_server.url}/office/login/code/")
    page.locator("#id_token").fill(f"{totp(base64.b32decode(secret)):06d}")
    page.get_by_role("button", name="绑定并登录").click()
    expect(page).to_have_url(f"{live_server.url}/office/audit/")
    expect(page.get_by_test_id("office-user")).to_contain_text("钱监察")
    page_log.assert_clean(live_server.url)


def test_portal_is_usable_on_a_phone(transactional_db, live_server, cast, phone_page, page_log) -> None:
    page = phone_page
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("咸宁市政务服务中心")
    assert page.viewport_size == {"width": 390, "height": 844}

    for large in (False, True):
        if large:
            page.get_by_test_id("large-text-toggle").click()
            expect_text_size(page, large=True)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), f"horizontal scroll (large text: {large}): {widths}"
        links = page.get_by_role("navigation", name="主导航").get_by_role("link")
        expect(links.filter(has_text="首页")).to_be_visible()
        expect(links.filter(has_text="进驻单位")).to_be_visible()
        for link in links.all():
            expect(link).to_be_visible()
            expect(link).to_be_in_viewport()
        expect(page.get_by_test_id("large-text-toggle")).to_be_visible()

    page_log.assert_clean(live_server.url)


def test_api_docs_work_offline_under_the_content_security_policy(
    transactional_db, live_server, page, page_log
) -> None:
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator(".opblock-summary-path").filter(has_text="/api/v1/calendar/add")).to_be_visible()
    page_log.assert_clean(live_server.url)
