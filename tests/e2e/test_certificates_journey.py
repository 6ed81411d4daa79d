"""电子证照 end to end in a browser: a company that already holds a 营业执照 applies online for 开办餐饮店
(一件事), proving who it is with the code texted to its registered phone, so the 营业执照 line is called up
from its certificate instead of uploaded (免提交); the 综合窗口 clerk accepts the combined case, the market
bureau's reviewer concludes the registration 出证办结, the other sub-cases conclude, the worker issues the
certificates; the company downloads its new 食品经营许可证 from 我的电子证照, and the QR code printed on
the PDF, decoded from the rendered page, opens the public verification saying 有效 with the holder's name
masked."""

from __future__ import annotations

import importlib
import re
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.apps import apps
from django.db.migrations import RunPython
from PIL import Image
from playwright.sync_api import expect

from tests import samples
from tests.cases.conftest import COMPANY
from tests.certificates.combined_fixtures import SHARED_ID, SHARED_LICENCE, World
from tests.certificates.conftest import work_off
from tests.conftest import PASSWORD, current_code
from yimen.cases.models import Case, CaseFile, Channel, Result
from yimen.cases.services import intake, steps
from yimen.certificates.models import Certificate, CertificateUse, CombinedCase, CombinedResult
from yimen.core.identity import mask_name
from yimen.core.models import SmsMessage, SmsTemplate
from yimen.org.models import Staff

pytestmark = pytest.mark.browser

UPLOADED = ["公司登记（备案）申请书", SHARED_ID, "公司章程", "食品经营许可申请书"]


TEMPLATE_MIGRATIONS = [
    "yimen.core.migrations.0004_default_sms_templates",
    "yimen.core.migrations.0005_workorder_reply_template",
    "yimen.core.migrations.0006_supervision_digest_template",
    "yimen.core.migrations.0007_case_submitted_template",
    "yimen.core.migrations.0014_sms_code",
    "yimen.certificates.migrations.0002_combined_cases",
]


@pytest.fixture
def sms_templates(transactional_db) -> None:
    """The SMS templates the migrations write: an earlier transactional test's flush emptied the table."""
    for name in TEMPLATE_MIGRATIONS:
        for operation in importlib.import_module(name).Migration.operations:
            if isinstance(operation, RunPython):
                operation.code(apps, None)
    assert SmsTemplate.objects.filter(code="identity.code", is_active=True).exists()


@pytest.fixture
def holder(meal: World, sms_templates: None) -> Certificate:
    """青山食品's live 营业执照, from a registration it filed at the window before (its phone registered)."""
    case = intake.submit(
        item=meal.registration,
        applicant=COMPANY,
        channel=Channel.WINDOW,
        by=meal.front,
        window=meal.front.window,
    )
    steps.accept(case=case, by=meal.front)
    steps.conclude(case=case, by=meal.cast.reviewer, result=Result.ISSUED)
    work_off()
    return Certificate.objects.get(case=case)


def texted_code() -> str:
    """The code in the last identity SMS the worker sent."""
    work_off()
    sms = SmsMessage.objects.filter(template="identity.code").order_by("-pk").first()
    assert sms is not None, "no code was texted"
    found = re.search(r"\d{6}", sms.text)
    assert found, f"{sms.text} {sms.error}"
    return found.group(0)


def signed_in(browser, page_log, url: str, staff: Staff):
    """A browser of its own for `staff`, signed in to the office (with the authenticator's code when the
    role asks for one)."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    tab = context.new_page()
    page_log.attach(tab)
    tab.goto(f"{url}/office/login/")
    tab.locator("#id_username").fill(staff.username)
    tab.locator("#id_password").fill(PASSWORD)
    tab.get_by_role("button", name="登录").click()
    expect(tab.locator("#id_username")).to_have_count(0)
    if tab.url.endswith("/office/login/code/"):
        tab.locator("#id_token").fill(current_code(staff))
        tab.locator("form button[type=submit]").first.click()
    expect(tab.get_by_test_id("office-user")).to_contain_text(staff.full_name)
    return context, tab


def qr_of(pdf: Path) -> str:
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", pdf.name, "page"], cwd=pdf.parent, check=True
    )
    (rendered,) = pdf.parent.glob("page-*.png")
    texts = [found.text for found in zxingcpp.read_barcodes(Image.open(rendered))]
    assert len(texts) == 1, texts
    return texts[0]


def test_reuse_a_certificate_for_a_combined_service_and_verify_the_new_one_by_its_qr_code(
    transactional_db,
    live_server,
    settings,
    meal: World,
    holder: Certificate,
    browser,
    page,
    page_log,
    tmp_path,
) -> None:
    settings.YIMEN = {**settings.YIMEN, "PUBLIC_BASE_URL": live_server.url}  # the QR code's address
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(samples.pdf())

    # The company applies online, proving who it is by the code texted to its registered phone.
    page.goto(f"{live_server.url}/combined/{meal.service.code}/")
    page.get_by_test_id("combined-apply").click()
    expect(page.get_by_test_id("apply-title")).to_have_text("开办餐饮店")
    proof = page.get_by_test_id("proof-form")
    proof.get_by_label("公民身份号码或统一社会信用代码").fill(COMPANY.uscc)
    proof.get_by_label("手机号码").fill(COMPANY.phone)
    proof.get_by_test_id("proof-send").click()
    expect(page.get_by_test_id("proof-message")).to_contain_text("验证码已发送")
    page.get_by_test_id("proof-form").get_by_label("短信验证码").fill(texted_code())
    page.get_by_test_id("proof-form").get_by_test_id("proof-check").click()
    expect(page.get_by_test_id("holder-proven")).to_contain_text("下列材料已调用您的电子证照")

    reused = page.locator(".field.reused")
    expect(reused).to_have_count(1)
    expect(reused).to_contain_text(SHARED_LICENCE)
    expect(reused).to_contain_text("已调用电子证照，无需提交")
    expect(reused).to_contain_text(holder.identifier)
    expect(reused.get_by_role("checkbox")).to_be_checked()

    form = page.get_by_test_id("apply-form")
    expect(form.get_by_label("统一社会信用代码")).to_have_value(COMPANY.uscc)
    form.get_by_label("单位名称").fill(COMPANY.name)
    form.get_by_label("法定代表人", exact=True).fill(COMPANY.legal_representative)
    form.get_by_label("联系地址").fill("咸宁市咸安区银泉大道 8 号")
    for name in UPLOADED:
        form.get_by_label(name).set_input_files(scan)
    form.get_by_label("本人承诺所填信息和上传材料真实").check()
    form.get_by_test_id("apply-submit").click()
    expect(page.get_by_test_id("receipt")).to_contain_text("开办餐饮店")

    filed = CombinedCase.objects.get()
    assert page.get_by_test_id("combined-number").inner_text() == filed.number
    cases = Case.objects.filter(combined_part__combined=filed)
    uses = CertificateUse.objects.filter(case__in=cases)
    assert sorted(uses.values_list("case__item_id", flat=True)) == sorted([meal.seal.pk, meal.licence.pk])
    assert {u.certificate_id for u in uses} == {holder.pk}
    assert not CaseFile.objects.filter(case__in=cases, material=SHARED_LICENCE).exists()

    # The 综合窗口 clerk takes the online 一件事 in (一窗受理) once: the parallel parts go to their organisations.
    office, clerk = signed_in(browser, page_log, live_server.url, meal.front)
    clerk.goto(f"{live_server.url}/office/cases/combined/{filed.pk}/")
    expect(clerk.get_by_test_id("combined-result")).to_have_text("待受理")
    clerk.get_by_test_id("accept").get_by_role("button").click()
    expect(clerk.get_by_test_id("combined-result")).to_have_text("办理中")
    registration = cases.get(item=meal.registration)
    assert registration.state == "handling"

    # The market bureau's reviewer concludes the registration 出证办结 in the office.
    bureau, reviewer = signed_in(browser, page_log, live_server.url, meal.cast.reviewer)
    reviewer.goto(f"{live_server.url}/office/cases/{registration.pk}/")
    reviewer.locator("#conclude-result").select_option(Result.ISSUED)
    reviewer.get_by_role("button", name="办结", exact=True).click()
    expect(reviewer.get_by_test_id("case-state")).to_have_text("已办结")
    work_off()  # the 营业执照 is issued; the licence, waiting for it, is accepted

    # The seal (no certificate of the system's) and the licence conclude at their desks.
    seal, licence = cases.get(item=meal.seal), cases.get(item=meal.licence)
    assert licence.state == "handling"
    steps.conclude(case=seal, by=meal.police_reviewer, result=Result.ISSUED, certificate_no="GZ-001")
    steps.conclude(case=licence, by=meal.cast.reviewer, result=Result.ISSUED)
    work_off()
    filed.refresh_from_db()
    assert filed.result == CombinedResult.ALL and filed.concluded_at is not None
    new_licence = Certificate.objects.get(case=licence)
    assert Certificate.objects.filter(case__in=cases).count() == 2

    # The company downloads its new 食品经营许可证 from 我的电子证照 (still proven in this browser).
    page.goto(f"{live_server.url}/certificates/mine/")
    row = page.get_by_test_id("certificates").locator("tr", has_text=new_licence.identifier)
    expect(row).to_contain_text("食品经营许可证")
    with page.expect_download() as downloading:
        row.get_by_role("link", name="PDF").click()
    pdf = tmp_path / "certificate.pdf"
    downloading.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    # Its QR code, read from the rendered first page, opens the public verification.
    url = qr_of(pdf)
    assert url.startswith(f"{live_server.url}/certificates/verify/?") and new_licence.identifier in url
    page.goto(url)
    expect(page.get_by_test_id("verdict")).to_contain_text("有效")
    expect(page.get_by_test_id("certificate-result")).to_have_attribute("data-outcome", "valid")
    expect(page.get_by_test_id("identifier")).to_have_text(new_licence.identifier)
    expect(page.get_by_test_id("holder-name")).to_have_text(mask_name(COMPANY.name))
    assert COMPANY.name not in page.content()

    page_log.assert_clean(live_server.url)
    office.close()
    bureau.close()
