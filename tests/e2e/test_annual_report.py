"""The annual report in a browser: the officer 赵公开 builds the centre's 2023 report, checks a number against
the records behind it, rewrites section 五 and sends it for review; the head 何主任 publishes it; the public
finds it under 年度报告 with the officer's words and the counted tables."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.reports.conftest import requests  # noqa: F401 (the hand-counted 2023 requests)
from yimen.reports.models import AnnualReport

pytestmark = pytest.mark.browser

SECTION_FIVE = "五、存在的主要问题及改进情况"
OFFICERS_WORDS = "一是依申请公开答复期限管理有待加强，二是政策解读形式较为单一。"


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/office/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.mark.usefixtures("requests")
def test_officer_builds_edits_and_the_public_reads_the_published_report(
    transactional_db, live_server, cast, browser, page, page_log
) -> None:
    url = live_server.url
    sign_in(page, url, "officer")
    page.get_by_role("link", name="年度报告").first.click()
    page.get_by_label("机构").select_option(label="咸宁市政务服务中心")
    page.get_by_label("报告年度").fill("2023")
    page.get_by_role("button", name="生成报告").click()
    expect(page.get_by_test_id("report-state")).to_have_text("草稿")
    expect(page.get_by_test_id("table-requests")).to_contain_text("（七）总计")

    # 一、本年新收 · 总计 is 8: its link lists the eight requests received in 2023.
    row = page.get_by_test_id("table-requests").locator("tr", has_text="一、本年新收政府信息公开申请数量")
    row.locator("td").last.get_by_role("link").click()
    expect(page.get_by_test_id("record-count")).to_contain_text("共 8 条记录")
    page.go_back()

    page.get_by_label(SECTION_FIVE).fill(OFFICERS_WORDS)
    page.get_by_role("button", name="保存文字部分").click()
    expect(page.locator(".messages")).to_contain_text("文字部分已保存")
    expect(page.get_by_test_id("annual-report")).to_contain_text(OFFICERS_WORDS)
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_test_id("report-state")).to_have_text("待审核")
    page.get_by_role("button", name="退出").click()

    sign_in(page, url, "head")
    report = AnnualReport.objects.get()
    page.goto(f"{url}/office/reports/{report.pk}/")
    page.get_by_role("button", name="审核通过并发布").click()
    expect(page.get_by_test_id("report-state")).to_have_text("已发布")
    expect(page.get_by_test_id("publication")).to_contain_text("索引号")

    public = browser.new_context(locale="zh-CN")
    reader = public.new_page()
    page_log.attach(reader)
    reader.goto(f"{url}/")
    reader.get_by_role("navigation", name="主导航").get_by_role("link", name="年度报告").click()
    reader.get_by_role("link", name="咸宁市政务服务中心2023年政府信息公开工作年度报告").click()
    article = reader.get_by_test_id("annual-report")
    expect(article).to_contain_text(OFFICERS_WORDS)
    expect(article.get_by_test_id("table-requests")).to_contain_text("（七）总计")
    expect(article.locator("a")).to_have_count(0)  # the public page links to no office records
    with reader.expect_download() as download:
        reader.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page_log.assert_clean(url)
    public.close()
