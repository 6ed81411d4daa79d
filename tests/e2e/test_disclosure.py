"""One disclosure request in a browser: the applicant files it online, the officer asks for a 补正, the
applicant supplements it from the tracking page, the officer replies 部分公开, and the applicant
downloads the reply letter."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.utils import timezone
from docx import Document
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from yimen.core import calendar
from yimen.core import services as core_services
from yimen.disclosure.models import DisclosureRequest, Outcome, RequestState

pytestmark = pytest.mark.browser


def _a_working_day_today(cast) -> None:
    """An online request made on a rest day is received on the next working day (条例第三十一条), and no
    step can be dated before it; on a weekend run, the administrator declares today a working day."""
    today = timezone.localdate()
    if not calendar.is_workday(today):
        core_services.set_day(day=today, is_workday=True, note="加班", by=cast.admin)


def test_file_clarify_supplement_reply_partly_and_download_the_letter(
    transactional_db, live_server, cast, browser, page, page_log, tmp_path: Path
) -> None:
    _a_working_day_today(cast)
    applicant_context = browser.new_context(locale="zh-CN", accept_downloads=True)
    applicant = applicant_context.new_page()
    page_log.attach(applicant)

    # The applicant files online and keeps the receipt.
    applicant.goto(f"{live_server.url}/")
    applicant.get_by_role("navigation", name="主导航").get_by_role("link", name="依申请公开").click()
    applicant.locator("#id_organisation").select_option(label="咸宁市政务服务中心")
    applicant.locator("#id_applicant_name").fill("张三")
    applicant.locator("#id_id_number").fill("11010519491231002X")
    applicant.locator("#id_phone").fill("13812345678")
    applicant.locator("#id_address").fill("咸宁市咸安区温泉路 1 号")
    applicant.locator("#id_description").fill("咸宁市政务服务中心2025年进驻事项调整的文件")
    applicant.locator("#id_form_wanted").select_option("electronic")
    applicant.get_by_role("button", name="提交申请").click()
    expect(applicant.get_by_test_id("receipt")).to_contain_text("您的申请已提交至咸宁市政务服务中心")
    number = applicant.get_by_test_id("request-number").inner_text()
    code = applicant.get_by_test_id("query-code").inner_text()

    # The officer asks, once, for everything unclear.
    page.goto(f"{live_server.url}/office/login/?next=/office/disclosure/")
    page.locator("#id_username").fill("officer")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name=number).click()
    clarify = page.get_by_test_id("step-request_clarification")
    clarify.locator("textarea").fill("请写明所需文件的发文机关和大致发文时间")
    deadline = calendar.add_workdays(timezone.localdate(), 15).date
    clarify.locator("input[name='request_clarification-deadline_on']").fill(deadline.isoformat())
    clarify.get_by_role("button", name="告知补正").click()
    expect(page.get_by_test_id("state")).to_have_text("待申请人补正")

    # The applicant opens the request with number and code, and supplements it online.
    applicant.goto(f"{live_server.url}/disclosure/track/")
    applicant.locator("input[name=number]").fill(number)
    applicant.locator("input[name=code]").fill(code)
    applicant.get_by_role("button", name="查询").click()
    expect(applicant.get_by_test_id("clarification")).to_contain_text("发文机关和大致发文时间")
    applicant.locator("#id_content").fill("咸宁市人民政府办公室，2025年3月前后印发")
    applicant.get_by_role("button", name="提交补正").click()
    expect(applicant.get_by_test_id("state")).to_have_text("办理中")
    expect(applicant.get_by_test_id("timeline")).to_contain_text("收到补正")

    # The officer replies 部分公开 with the reasons for what is withheld.
    page.reload()
    reply = page.get_by_test_id("step-reply")
    reply.locator("select[name='reply-outcome']").select_option(Outcome.PARTIAL.value)
    reply.locator("textarea[name='reply-reasons']").fill("文件附件中的个人信息已作区分处理，不予公开")
    reply.locator("textarea[name='reply-how_to_obtain']").fill("通过电子邮件发送可以公开的部分")
    reply.get_by_role("button", name="答复").click()
    expect(page.get_by_test_id("outcome")).to_have_text("部分公开")

    # The applicant downloads the letter.
    applicant.reload()
    expect(applicant.get_by_test_id("outcome")).to_have_text("部分公开")
    with applicant.expect_download() as pdf:
        applicant.get_by_test_id("letter-pdf").click()
    saved = tmp_path / "letter.pdf"
    pdf.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF") and number in pdf.value.suggested_filename
    with applicant.expect_download() as docx:
        applicant.get_by_test_id("letter-docx").click()
    text = "\n".join(p.text for p in Document(io.BytesIO(Path(docx.value.path()).read_bytes())).paragraphs)
    assert "个人信息已作区分处理" in text and "行政复议" in text

    request = DisclosureRequest.objects.get(number=number)
    assert (request.state, request.outcome) == (RequestState.REPLIED, Outcome.PARTIAL)
    assert request.clock_start_on == timezone.localdate()
    page_log.assert_clean(live_server.url)
    applicant_context.close()
