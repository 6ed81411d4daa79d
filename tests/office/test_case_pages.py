"""The office case pages: 李窗口 files a case at the window with its files, staff take it through the
action forms to delivery, reviewers decide in the 并联审查 queue; 孙其他 of the police sees nothing."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases import conftest as cases
from tests.cases.conftest import APPLICANT, file, local
from tests.cases.test_uploads import PDF, PNG, files_on_disk, upload
from tests.catalog.conftest import published
from tests.conftest import make_staff
from yimen.cases.models import Case, CaseFile, CaseState, Result, ReviewState
from yimen.cases.services import steps
from yimen.catalog.models import Material
from yimen.core.people import Applicant
from yimen.org.models import Role, Window

pytestmark = pytest.mark.django_db

# The cases' fixtures: a 20-working-day licence, a 即办件 and a 联办 item.
licence = cases.licence
instant = cases.instant
joint = cases.joint

PERSON = {
    "kind": "person",
    "name": "张三",
    "id_number": "11010519491231002X",
    "phone": "13812345678",
    "address": "咸宁市咸安区温泉路 1 号",
}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _field(item, material: str) -> str:
    return f"material_{Material.objects.get(version=item.current, name=material).pk}"


def _detail(client: Client, case: Case) -> str:
    return client.get(reverse("office_cases:detail", args=[case.pk])).content.decode()


def _post(client: Client, case: Case, action: str, **form: str):
    url = reverse("office_cases:action", args=[case.pk, action])
    return client.post(url, {"expected_version": str(case.lock_version), **form})


def _act(client: Client, case: Case, action: str, **form: str):
    """Press an action's button as the page offers it: with the version the page was rendered with."""
    page = _detail(client, case)
    version = re.search(r'name="expected_version" value="(\d+)"', page)
    assert version, f"no action form on the page of {case.number}"
    url = reverse("office_cases:action", args=[case.pk, action])
    return client.post(url, {"expected_version": version.group(1), **form})


def test_a_clerk_files_a_case_with_two_files_and_staff_download_them(client: Client, licence, cast) -> None:
    client.force_login(cast.clerk)
    found = _text(client.get(reverse("office_cases:intake") + "?q=食品经营").content.decode())
    assert "食品经营许可证核发 咸宁市市场监督管理局" in found
    form_page = client.get(reverse("office_cases:intake_item", args=[licence.pk])).content.decode()
    assert all(m in form_page for m in ("食品经营许可申请书", "营业执照", "委托书"))
    assert "受理并当场办结" not in form_page  # only for a 即办件
    assert "style=" not in form_page and "<script" not in form_page

    posted = {
        **PERSON,
        _field(licence, "食品经营许可申请书"): upload("申请书.pdf", PDF),
        _field(licence, "营业执照"): upload("营业执照.png", PNG),
        "then": "register",
    }
    response = client.post(reverse("office_cases:intake_item", args=[licence.pk]), posted, follow=True)
    assert response.status_code == 200
    case = Case.objects.get()
    page = _text(response.content.decode())
    assert f"已收件登记（办件编号 {case.number}，查询码 {case.query_code}），待受理。" in page
    assert "申请书.pdf" in page and "营业执照.png" in page and hashlib.sha256(PDF).hexdigest() in page
    assert (case.state, case.channel, case.window, case.applicant_name) == (
        CaseState.SUBMITTED,
        "window",
        cast.window,
        "张三",
    )
    stored = {f.name: f for f in CaseFile.objects.filter(case=case)}
    assert stored["营业执照.png"].sha256 == hashlib.sha256(PNG).hexdigest()

    for reader in (cast.clerk, cast.reviewer):
        client.force_login(reader)
        download = client.get(reverse("office_cases:file", args=[stored["申请书.pdf"].pk]))
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Type"] == "application/pdf"
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Disposition"].startswith("attachment;")


def test_a_text_file_named_pdf_is_refused_next_to_its_field_and_nothing_is_saved(
    client: Client, licence, cast
) -> None:
    client.force_login(cast.clerk)
    before = files_on_disk()
    field = _field(licence, "营业执照")
    posted = {
        **PERSON,
        _field(licence, "食品经营许可申请书"): upload("申请书.pdf", PDF),
        field: upload("营业执照.pdf", "营业执照复印件".encode()),
        "then": "accept",
    }
    response = client.post(reverse("office_cases:intake_item", args=[licence.pk]), posted)
    assert response.status_code == 422
    page = response.content.decode()
    error = page.split(f'data-testid="error-{field}"', 1)[1].split("</ul>", 1)[0]
    assert "文件“营业执照.pdf”不是有效的 PDF、JPEG、PNG、OFD 或 DOCX 文件（按内容识别）" in error
    assert 'value="张三"' in page  # what was typed is kept
    assert not Case.objects.exists() and not CaseFile.objects.exists() and files_on_disk() == before


def test_bad_applicant_data_comes_back_field_by_field(client: Client, licence, cast) -> None:
    client.force_login(cast.clerk)
    posted = {**PERSON, "phone": "12345", "id_number": "340524198001010013", "then": "register"}
    response = client.post(reverse("office_cases:intake_item", args=[licence.pk]), posted)
    assert response.status_code == 422
    page = response.content.decode()
    assert "手机号码：应为11位手机号码" in page.split('data-testid="error-phone"', 1)[1].split("</ul>")[0]
    assert "校验码错误" in page.split('data-testid="error-id_number"', 1)[1].split("</ul>")[0]
    assert not Case.objects.exists()


def test_the_clerk_picks_the_business_type_of_an_item_with_several_and_the_case_page_shows_it(
    client: Client, people, cast
) -> None:
    version = published(people, basic_code="XK-3", business_types=["初次申领", "变更"])
    client.force_login(cast.clerk)
    url = reverse("office_cases:intake_item", args=[version.item_id])
    assert '<option value="变更">变更</option>' in client.get(url).content.decode()

    missing = client.post(url, {**PERSON, "then": "register"})
    assert missing.status_code == 422
    error = missing.content.decode().split('data-testid="error-business_type"', 1)[1].split("</ul>")[0]
    assert "业务类型：请选择本次办理的业务类型（该事项有：初次申领、变更）" in error

    done = client.post(url, {**PERSON, "business_type": "变更", "then": "register"}, follow=True)
    assert '<dt>业务类型</dt><dd data-testid="business-type">变更</dd>' in done.content.decode()
    assert Case.objects.get().business_type == "变更"


def test_an_instant_item_is_accepted_and_concluded_in_one_step(client: Client, instant, cast) -> None:
    client.force_login(cast.clerk)
    url = reverse("office_cases:intake_item", args=[instant.pk])
    assert "受理并当场办结" in client.get(url).content.decode()
    before = files_on_disk()
    attached = {_field(instant, "营业执照"): upload("营业执照.png", PNG)}
    missing = client.post(url, {**PERSON, **attached, "then": "finish"})
    assert missing.status_code == 422 and "证照编号：出证办结必填" in missing.content.decode()
    assert not Case.objects.exists() and files_on_disk() == before  # the stored file was removed again

    attached = {_field(instant, "营业执照"): upload("营业执照.png", PNG)}
    done = client.post(
        url, {**PERSON, **attached, "then": "finish", "certificate_no": "YZ2026001"}, follow=True
    )
    case = Case.objects.get()
    assert (case.state, case.result, case.certificate_no) == (CaseState.CONCLUDED, Result.ISSUED, "YZ2026001")
    assert case.accepted_at == case.concluded_at and case.files.count() == 1
    assert "已受理并当场办结" in _text(done.content.decode())


def test_the_action_forms_take_a_case_from_acceptance_to_delivery(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    client.force_login(cast.reviewer)
    assert '<button type="submit">受理</button>' not in _detail(client, case)  # 受理 is the window's
    client.force_login(cast.clerk)
    accepted = _act(client, case, "accept")
    assert accepted.status_code == 302
    assert "已受理，承诺办结时间" in _text(client.get(accepted.url).content.decode())

    client.force_login(cast.reviewer)
    for done, next_step in [("受理", "审查"), ("审查", "现场核查"), ("现场核查", "决定")]:
        page = _text(client.get(_act(client, case, "advance", opinion="材料齐全").url).content.decode())
        assert f"“{done}”环节已办理，进入“{next_step}”环节。" in page
    assert "环节办理（下一环节）" not in _detail(client, case)  # 决定 is the last step
    concluded = _act(client, case, "conclude", result="issued", certificate_no="JY14212000001")
    assert "已办结：出证办结。" in _text(client.get(concluded.url).content.decode())

    client.force_login(cast.clerk)
    delivered = _act(client, case, "deliver", method="courier", tracking_no="SF1234567890")
    page = _text(client.get(delivered.url).content.decode())
    assert "已送达（邮寄送达）。" in page and "快递单号 SF1234567890" in page
    case.refresh_from_db()
    assert case.state == CaseState.DELIVERED
    timeline = _text(_detail(client, case).split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0])
    assert [label for label in re.findall(r"\d{2}:\d{2} (\S+)", timeline)] == [
        "申报",
        "受理",
        "环节办理",
        "环节办理",
        "环节办理",
        "办结",
        "送达",
    ]


def test_a_stale_page_is_refused_with_409(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    client.force_login(cast.clerk)
    stale = case.lock_version
    steps.request_supplement(case=case, by=cast.clerk, materials=["营业执照"])
    response = client.post(
        reverse("office_cases:action", args=[case.pk, "accept"]), {"expected_version": str(stale)}
    )
    assert response.status_code == 409
    assert "办件已被他人更新，请刷新后重试" in response.content.decode()
    assert Case.objects.get().state == CaseState.SUPPLEMENT


def test_an_illegal_action_is_refused_with_409_and_a_missing_role_with_403(
    client: Client, licence, cast
) -> None:
    case = file(licence, cast)
    client.force_login(cast.clerk)
    illegal = _act(client, case, "deliver", method="pickup")
    assert illegal.status_code == 409
    assert "办件当前为“已申报，待受理”，不能送达" in illegal.content.decode()
    client.force_login(cast.reviewer)
    assert 'name="expected_version"' not in _detail(client, case)  # no form to press
    forbidden = _post(client, case, "accept")
    assert forbidden.status_code == 403 and "您无权办理该办件" in forbidden.content.decode()
    assert Case.objects.get().state == CaseState.SUBMITTED


def test_refusing_without_a_reason_is_422_and_changes_nothing(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    client.force_login(cast.clerk)
    response = _act(client, case, "refuse", reason="  ")
    assert response.status_code == 422
    assert "理由：必填，将告知申请人" in response.content.decode()
    assert Case.objects.get().state == CaseState.SUBMITTED
    refused = _act(client, case, "refuse", reason="不属于本机关职权范围")
    assert "已作出不予受理决定" in _text(client.get(refused.url).content.decode())


def test_supplement_and_special_procedure_forms(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    client.force_login(cast.clerk)
    _act(client, case, "request_supplement", materials="营业执照\n\n食品安全管理制度")
    page = _text(_detail(client, case))
    assert "已一次性告知申请人补正 2 项材料。" in page and "食品安全管理制度" in page
    _act(client, case, "supplement_received")
    _act(client, case, "accept")
    client.force_login(cast.reviewer)
    bad = _act(client, case, "start_special", reason="现场核查", on="2026-13-01")
    assert bad.status_code == 422 and "开始日期：应为日期" in bad.content.decode()
    _act(client, case, "start_special", reason="现场核查")
    assert Case.objects.get().state == CaseState.SPECIAL
    ended = _act(client, case, "end_special")
    assert "特别程序已结束" in _text(client.get(ended.url).content.decode())


def test_the_detail_shows_the_pinned_guide_and_a_provisional_deadline(client: Client, licence, cast) -> None:
    case = steps.accept(case=file(licence, cast), by=cast.clerk, at=local(2031, 3, 3, 10))
    client.force_login(cast.clerk)
    page = _detail(client, case)
    assert f'href="/guide/{licence.impl_code}/v1/"' in page
    assert "暂按周末规则" in page.split('data-testid="promised-due"', 1)[1].split("</dd>")[0]
    assert "11010519491231002X" in page and "13812345678" in page  # staff see the applicant in full


def test_another_department_and_the_public_see_nothing(client: Client, licence, cast) -> None:
    case = file(licence, cast)
    from yimen.cases import uploads

    stored = uploads.store_material(
        case=case, material="营业执照", upload=upload("a.pdf", PDF), by=cast.clerk
    )
    detail = reverse("office_cases:detail", args=[case.pk])
    download = reverse("office_cases:file", args=[stored.pk])
    for url in (detail, download):
        assert client.get(url).url.startswith("/office/login/")
    client.force_login(cast.other)
    assert client.get(detail).status_code == 404
    assert client.get(download).status_code == 404
    post = client.post(reverse("office_cases:action", args=[case.pk, "accept"]), {"expected_version": "0"})
    assert post.status_code == 404 and Case.objects.get().state == CaseState.SUBMITTED
    assert case.number not in client.get(reverse("office_cases:list")).content.decode()
    assert client.get(reverse("office_cases:intake_item", args=[licence.pk])).status_code == 404
    assert "食品经营许可证核发" not in client.get(reverse("office_cases:intake")).content.decode()


def test_a_comprehensive_window_takes_any_item_and_follows_its_case(client: Client, licence, cast) -> None:
    hall = Window.objects.create(
        number="A001", name="综合窗口", is_comprehensive=True, supervision_phone="0715-1"
    )
    generalist = make_staff("hall", "何综合", cast.centre, (Role.CLERK, cast.centre), window=hall)
    client.force_login(generalist)
    assert "食品经营许可证核发" in client.get(reverse("office_cases:intake") + "?q=食品").content.decode()
    response = client.post(
        reverse("office_cases:intake_item", args=[licence.pk]), {**PERSON, "then": "accept"}, follow=True
    )
    case = Case.objects.get()
    assert (case.organisation, case.window, case.state) == (cast.market, hall, CaseState.HANDLING)
    assert "已受理（办件编号" in _text(response.content.decode())
    assert case.number in client.get(reverse("office_cases:list")).content.decode()


def test_the_list_filters_by_state_number_and_applicant_newest_first(client: Client, licence, cast) -> None:
    first = file(licence, cast)
    second = steps.accept(
        case=file(licence, cast, applicant=Applicant(**{**APPLICANT.__dict__, "name": "王五"})),
        by=cast.clerk,
    )
    client.force_login(cast.clerk)

    def numbers(query: str = "") -> list[str]:
        page = client.get(reverse("office_cases:list") + query).content.decode()
        return re.findall(r">(\S+\d{4})</a>", page.split('data-testid="cases"', 1)[1])

    assert numbers() == [second.number, first.number]
    assert numbers("?state=submitted") == [first.number]
    assert numbers(f"?q={first.number}") == [first.number]
    assert numbers("?q=王五") == [second.number]
    assert (
        "没有符合条件的办件" in client.get(reverse("office_cases:list") + "?state=delivered").content.decode()
    )


@pytest.fixture
def reviewers(cast) -> dict[str, Any]:
    return {
        "police": make_staff("police_reviewer", "陈公安", cast.police, (Role.REVIEWER, cast.police)),
        "centre": make_staff("centre_reviewer", "林中心", cast.centre, (Role.REVIEWER, cast.centre)),
    }


def test_reviewers_approve_and_reject_from_their_queue(client: Client, joint, cast, reviewers) -> None:
    case = steps.accept(case=file(joint, cast), by=cast.clerk)
    client.force_login(cast.reviewer)  # the lead organisation's reviewer concludes once all have decided
    assert "办结</button>" not in _detail(client, case)
    assert "没有待审查的办件" in client.get(reverse("office_cases:reviews")).content.decode()
    client.force_login(reviewers["police"])
    assert "张三" in _detail(client, case)  # a participating organisation reads the case it reviews
    page = client.get(reverse("office_cases:reviews")).content.decode()
    queue = _text(page.split('data-testid="reviews"', 1)[1].split("</table>", 1)[0])
    assert case.number in queue and "咸宁市公安局" in queue and "咸宁市政务服务中心" not in queue
    police_review = case.reviews.get(organisation=cast.police)
    decide = reverse("office_cases:review_decide", args=[police_review.pk])
    approved = client.post(decide, {"decision": "approve", "opinion": "同意"}, follow=True)
    assert f"已对办件 {case.number} 作出审查结论：同意。" in _text(approved.content.decode())
    assert "没有待审查的办件" in approved.content.decode()
    assert client.post(decide, {"decision": "reject", "opinion": "再想想"}).status_code == 409

    client.force_login(reviewers["centre"])
    centre_review = case.reviews.get(organisation=cast.centre)
    decide = reverse("office_cases:review_decide", args=[centre_review.pk])
    assert "不同意时必须写明理由" in client.post(decide, {"decision": "reject"}).content.decode()
    assert client.post(decide, {"decision": "reject"}).status_code == 422
    assert client.post(decide, {"decision": "reject", "opinion": "选址不符合消防要求"}).status_code == 302
    reviews = _text(_detail(client, case).split('data-testid="reviews"', 1)[1].split("</table>", 1)[0])
    assert "咸宁市公安局 同意 陈公安" in reviews and "选址不符合消防要求" in reviews
    assert dict(case.reviews.values_list("organisation__code", "state")) == {
        "GAJ": ReviewState.APPROVED,
        "ZWFW": ReviewState.REJECTED,
    }
    client.force_login(cast.reviewer)
    assert "办结</button>" in _detail(client, case)
    client.force_login(cast.other)  # a police clerk, not a reviewer
    assert client.get(reverse("office_cases:reviews")).status_code == 403


def test_the_case_page_offers_the_notices_its_state_allows(client, licence, cast) -> None:
    from tests.cases.conftest import file

    case = steps.accept(case=file(licence, cast), by=cast.clerk)
    client.force_login(cast.clerk)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert f'href="/office/cases/notices/{case.number}/accepted.pdf"' in page
    assert "不予受理通知书" not in page
    response = client.get(f"/office/cases/notices/{case.number}/accepted.docx")
    assert response.status_code == 200
