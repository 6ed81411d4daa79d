"""网上申办 in a browser: a citizen opens a guide, applies with a real PDF, notes the 办件编号 and 查询码,
goes back and submits again without filing a second case, looks the case up; the market bureau's clerk
finds it in the office's case list with its files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from yimen.cases.models import Case, CaseFile

pytestmark = pytest.mark.browser


@pytest.fixture
def real_pdf(tmp_path: Path) -> Path:
    """A one-page PDF as an applicant's scanner or word processor would make it."""
    from weasyprint import HTML

    path = tmp_path / "食品经营许可申请书.pdf"
    HTML(string="<h1>食品经营许可申请书</h1><p>申请人：张三</p>").write_pdf(path)
    return path


def test_citizen_applies_online_looks_the_case_up_and_the_clerk_sees_it(
    transactional_db, live_server, cast, licence, browser, page, page_log, real_pdf: Path
) -> None:
    page.goto(f"{live_server.url}/guide/{licence.impl_code}/")
    page.get_by_test_id("apply-online").click()
    expect(page.get_by_test_id("apply-title")).to_have_text("食品经营许可证核发")

    form = page.get_by_test_id("apply-form")  # the page also holds the holder's proof for 免提交
    form.get_by_label("姓名").fill("张三")
    form.get_by_label("公民身份号码").fill("11010519491231002X")
    form.get_by_label("手机号码").fill("13812345678")
    form.get_by_label("联系地址").fill("咸宁市咸安区温泉路 1 号")
    form.get_by_label("食品经营许可申请书").set_input_files(real_pdf)
    form.get_by_label("营业执照").set_input_files(real_pdf)
    form.get_by_label("本人承诺所填信息和上传材料真实").check()
    page.get_by_test_id("apply-submit").click()

    expect(page.get_by_test_id("receipt")).to_contain_text("已申报，待受理")
    number = page.get_by_test_id("case-number").inner_text()
    code = page.get_by_test_id("query-code").inner_text()
    case = Case.objects.get()
    assert (number, code) == (case.number, case.query_code)
    assert CaseFile.objects.filter(case=case).count() == 2
    assert {f.sha256 for f in CaseFile.objects.filter(case=case)} == {
        hashlib.sha256(real_pdf.read_bytes()).hexdigest()
    }

    # Back to the form (the browser refetches it and refills the fields and files) and submit again.
    page.go_back()
    expect(page.get_by_test_id("already-filed")).to_contain_text(number)
    page.get_by_test_id("apply-submit").click()
    expect(page.get_by_test_id("repeated")).to_contain_text("没有重复提交")
    expect(page.get_by_test_id("query-code")).to_have_text(code)
    assert Case.objects.count() == 1

    page.get_by_test_id("lookup-case").click()
    expect(page.get_by_test_id("case-state")).to_have_text("已申报，待受理")
    expect(page.get_by_test_id("timeline")).to_contain_text("网上申报")

    page.goto(f"{live_server.url}/cases/")
    page.get_by_label("办件编号").fill(number)
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("case-state")).to_have_text("已申报，待受理")

    office = browser.new_context(locale="zh-CN")
    clerk = office.new_page()
    page_log.attach(clerk)
    clerk.goto(f"{live_server.url}/office/login/")
    clerk.locator("#id_username").fill("clerk")
    clerk.locator("#id_password").fill(PASSWORD)
    clerk.get_by_role("button", name="登录").click()
    clerk.goto(f"{live_server.url}/office/cases/")
    row = clerk.get_by_test_id("cases").locator("tr", has_text=number)
    expect(row).to_contain_text("张三")
    expect(row).to_contain_text("已申报，待受理")
    row.get_by_role("link", name=number).click()
    expect(clerk.locator("body")).to_contain_text("食品经营许可申请书.pdf")

    page_log.assert_clean(live_server.url)
    office.close()
