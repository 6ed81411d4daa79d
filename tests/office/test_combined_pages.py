"""一件事 in the office: 吴编辑 drafts a combined service with its parts and 冯审改 publishes it; 陈综窗 files
one application at the 综合窗口 and accepts it once, which splits it; the combined case's page shows its
sub-cases and, when they conclude, every certificate for download; the service's page counts them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases.conftest import COMPANY
from tests.certificates.combined_fixtures import SHARED_ID, SHARED_LICENCE, World
from tests.certificates.conftest import work_off
from tests.conftest import sign_in
from tests.portal.applying import PDF
from yimen.cases.models import Case, CaseState, Channel, Result
from yimen.cases.services import intake, steps
from yimen.certificates import combined
from yimen.certificates.models import CertificateUse, CombinedCase, CombinedService, CombinedState

pytestmark = pytest.mark.django_db


def _draft(items, **rows: str) -> dict[str, str]:
    registration, seal, licence = items
    return {
        "code": "KBCYD2",
        "name": "开办小餐馆",
        "description": "",
        "applicant_kind": "legal",
        "item_1": str(registration.pk),
        "item_2": str(seal.pk),
        "item_3": str(licence.pk),
        "after_3": "1",
        **rows,
    }


def test_the_editor_drafts_with_parts_and_a_loop_is_refused_by_name(
    client: Client, people, combined_items
) -> None:
    sign_in(client, people.editor)
    form = client.get("/office/catalog/combined/new/")
    assert form.status_code == 200 and "包含的事项" in form.content.decode()
    data = _draft(combined_items, organisation=str(people.base.market.pk), after_1="3")
    refused = client.post("/office/catalog/combined/new/", data)
    assert refused.status_code == 422
    assert "形成循环，串联办理的事项须有先后" in refused.content.decode()
    assert not CombinedService.objects.exists()

    saved = client.post(
        "/office/catalog/combined/new/", _draft(combined_items, organisation=str(people.base.market.pk))
    )
    service = CombinedService.objects.get(code="KBCYD2")
    assert saved.status_code == 302 and saved["Location"] == f"/office/catalog/combined/{service.pk}/"
    assert [p.after.item_id if p.after else None for p in service.parts.order_by("order")] == [
        None,
        None,
        combined_items[0].pk,
    ]
    page = client.get(f"/office/catalog/combined/{service.pk}/").content.decode()
    assert "在“企业设立登记（多证合一）”出证后办理" in page and "承诺时限合计 13 个工作日" in page


def test_the_reform_reviewer_publishes_what_the_editor_submitted(
    client: Client, people, combined_items
) -> None:
    service = combined.save_draft(
        definition=combined.Definition(
            code="KBCYD2",
            name="开办小餐馆",
            description="",
            organisation=people.base.market,
            applicant_kind="legal",
            parts=[combined.PartSpec(i.pk) for i in combined_items],
        ),
        by=people.editor,
    )
    sign_in(client, people.editor)
    client.post(f"/office/catalog/combined/{service.pk}/submit/", {"expected_version": service.lock_version})
    service.refresh_from_db()
    assert service.state == CombinedState.REVIEW
    assert client.post(f"/office/catalog/combined/{service.pk}/approve/", {}).status_code == 403

    sign_in(client, people.reform)
    page = client.get(f"/office/catalog/combined/{service.pk}/").content.decode()
    assert "审核通过并发布" in page and "修改草稿" not in page
    client.post(f"/office/catalog/combined/{service.pk}/approve/", {"expected_version": service.lock_version})
    service.refresh_from_db()
    assert service.state == CombinedState.PUBLISHED
    stale = client.post(f"/office/catalog/combined/{service.pk}/retire/", {"expected_version": "0"})
    assert stale.status_code == 409 and "该一件事已被他人更新，请刷新后重试" in stale.content.decode()
    current = {"expected_version": service.lock_version}
    assert client.post(f"/office/catalog/combined/{service.pk}/retire/", current).status_code == 403


def test_the_window_files_once_accepts_once_and_the_page_lists_every_certificate(
    client: Client, meal: World
) -> None:
    sign_in(client, meal.front)
    picker = client.get("/office/cases/combined/intake/").content.decode()
    assert "开办餐饮店" in picker
    form = client.get(f"/office/cases/combined/intake/{meal.service.pk}/").content.decode()
    assert form.count(f">{SHARED_ID}<") == 1 or form.count(f">{SHARED_ID}") == 1
    data = {
        "name": COMPANY.name,
        "uscc": COMPANY.uscc,
        "legal_representative": COMPANY.legal_representative,
        "phone": COMPANY.phone,
        "address": "咸宁市咸安区银泉大道 8 号",
    }
    [shared_field] = [
        line.split('for="id_')[1].split('"')[0]
        for line in form.splitlines()
        if f">{SHARED_ID}" in line and 'for="id_' in line
    ]
    filed = client.post(
        f"/office/cases/combined/intake/{meal.service.pk}/",
        {**data, shared_field: SimpleUploadedFile("id.pdf", PDF)},
    )
    combined_case = CombinedCase.objects.get()
    assert filed.status_code == 302 and filed["Location"] == f"/office/cases/combined/{combined_case.pk}/"
    assert {c.channel for c in Case.objects.all()} == {Channel.WINDOW}

    client.post(f"/office/cases/combined/{combined_case.pk}/accept/")
    states = dict(Case.objects.values_list("item_id", "state"))
    assert states == {
        meal.registration.pk: CaseState.HANDLING,
        meal.seal.pk: CaseState.HANDLING,
        meal.licence.pk: CaseState.SUBMITTED,
    }
    seal_page = client.get(f"/office/cases/{Case.objects.get(item=meal.seal).pk}/").content.decode()
    assert f'href="/office/cases/combined/{combined_case.pk}/"' in seal_page  # the sub-case names its whole
    again = client.post(f"/office/cases/combined/{combined_case.pk}/accept/")
    assert again.status_code == 409 and "该一件事已受理，不能重复受理" in again.content.decode()

    def sub(item) -> Case:
        return Case.objects.get(item=item)

    steps.conclude(case=sub(meal.registration), by=meal.cast.reviewer, result=Result.ISSUED)
    steps.conclude(case=sub(meal.seal), by=meal.police_reviewer, result=Result.ISSUED, certificate_no="GZ-9")
    work_off()
    steps.conclude(case=sub(meal.licence), by=meal.cast.reviewer, result=Result.ISSUED)
    work_off()

    page = client.get(f"/office/cases/combined/{combined_case.pk}/").content.decode()
    assert "全部办结（证照已全部出具）" in page
    certificates = page[page.index('data-testid="certificates"') :]
    assert "营业执照" in certificates and "食品经营许可证" in certificates
    link = certificates.split('href="')[1].split('"')[0]
    download = client.get(link)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content)[:2] == b"PK"  # an OFD is a zip package

    sign_in(client, meal.people.reform)
    figures = client.get(f"/office/catalog/combined/{meal.service.pk}/").content.decode()
    figures = figures[figures.index('data-testid="figures"') :]
    assert "<dt>申请</dt><dd>1 件</dd>" in figures and "全部出证 1 件" in figures
    assert "<dt>出具电子证照</dt><dd>2 本</dd>" in figures


def test_staff_without_case_work_cannot_open_a_combined_case(client: Client, meal: World) -> None:
    filed = combined.apply(
        service=meal.service,
        applicant=COMPANY,
        channel=Channel.WINDOW,
        by=meal.front,
        window=meal.front.window,
    ).combined
    sign_in(client, meal.people.editor)
    assert client.get(f"/office/cases/combined/{filed.pk}/").status_code == 403
    sign_in(client, meal.cast.other)  # 孙其他, a clerk of the police: sees the case through its seal sub-case
    page = client.get(f"/office/cases/combined/{filed.pk}/")
    assert page.status_code == 200
    assert client.post(f"/office/cases/combined/{filed.pk}/accept/").status_code == 403  # not its window
    assert set(Case.objects.values_list("state", flat=True)) == {CaseState.SUBMITTED}


def test_the_window_calls_up_a_live_certificate_once_for_every_item_that_lists_it(
    client: Client, meal: World
) -> None:
    earlier = intake.submit(
        item=meal.registration,
        applicant=COMPANY,
        channel=Channel.WINDOW,
        by=meal.front,
        window=meal.front.window,
    )
    steps.conclude(
        case=steps.accept(case=earlier, by=meal.front), by=meal.cast.reviewer, result=Result.ISSUED
    )
    work_off()  # the company now holds a live 营业执照

    sign_in(client, meal.front)
    url = f"/office/cases/combined/intake/{meal.service.pk}/"
    data = {
        "name": COMPANY.name,
        "uscc": COMPANY.uscc,
        "legal_representative": COMPANY.legal_representative,
        "phone": COMPANY.phone,
    }
    shown = client.post(url, {**data, "then": "identify"}).content.decode()
    assert shown.count("已调用电子证照，无需提交</strong>") == 1  # one line, though two items list it
    box = shown.split('data-testid="reused-')[1].split('"')[0]
    filed = client.post(url, {**data, "then": "register", f"reuse_{box}": "on"})
    assert filed.status_code == 302
    uses = CertificateUse.objects.filter(case__combined_part__isnull=False)
    assert sorted(uses.values_list("case__item_id", flat=True)) == sorted([meal.seal.pk, meal.licence.pk])
    assert {u.material for u in uses} == {SHARED_LICENCE}
