"""电子证照 in the office: 王审批 of the issuing market bureau lists and opens its certificates, 吊销 one
with a reason, renews and changes one as a new version, downloads its files; nobody else reaches them.
周管理 keeps the catalogue of certificate types."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.cases.conftest import APPLICANT, COMPANY
from tests.certificates import conftest as certificates
from tests.certificates.conftest import MARKET_USCC, concluded, work_off
from tests.conftest import make_staff, sign_in
from yimen.certificates.models import Certificate, CertificateState, CertificateType, Operation
from yimen.core.identity import mask_id_number
from yimen.core.models import AuditEntry
from yimen.org.models import Role

pytestmark = pytest.mark.django_db

food, issued = certificates.food, certificates.issued  # the fixtures, as tests/certificates/ has them
VALID_CODE = "11100000000013338W"  # a 统一社会信用代码 that passes its check character


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def act(client: Client, certificate: Certificate, action: str, **data: object):
    data.setdefault("expected_version", certificate.lock_version)
    return client.post(f"/office/certificates/{certificate.pk}/{action}/", data)


@pytest.fixture
def police_reviewer(cast):
    return make_staff("police_reviewer", "吴审批", cast.police, (Role.REVIEWER, cast.police))


@pytest.fixture
def personal(cast, licence) -> Certificate:
    """A certificate held by a person, 张三: its code is an ID number."""
    cast.market.uscc = MARKET_USCC
    cast.market.save(update_fields=["uscc"])
    certificate_type = CertificateType.objects.create(
        code=f"{VALID_CODE}007", name="从业人员健康证明", issuer=cast.market, holder_kind="person"
    )
    certificate_type.items.add(licence)
    case = concluded(cast, licence, applicant=APPLICANT)
    work_off()
    return Certificate.objects.get(case=case)


# --- who reaches what ------------------------------------------------------------------------------


def test_the_issuer_lists_finds_and_opens_its_certificates(client: Client, cast, issued) -> None:
    sign_in(client, cast.reviewer)
    assert 'href="/office/certificates/"' in page(client, "/office/")
    listed = page(client, "/office/certificates/")
    assert issued.number in listed and COMPANY.name in listed
    assert issued.number in page(client, f"/office/certificates/?q={issued.identifier}")
    assert issued.number in page(client, f"/office/certificates/?holder=青山&state=01&type={issued.type_id}")
    assert issued.number not in page(client, "/office/certificates/?state=07")
    assert issued.number not in page(client, f"/office/certificates/?q={issued.number[:-1]}")  # exact only

    detail = page(client, f"/office/certificates/{issued.pk}/")
    assert issued.identifier in detail and COMPANY.uscc in detail  # a legal person's code is public
    assert re.search(r'data-testid="verifications">0<', detail)
    assert "与登记内容相符" in detail and "暂无用证记录" in detail
    assert f'href="/office/cases/{issued.case_id}/"' in detail


def test_nobody_else_reaches_the_certificates(client: Client, cast, issued, police_reviewer) -> None:
    for outsider in (cast.clerk, cast.other, cast.admin, cast.supervisor):
        sign_in(client, outsider)
        page(client, "/office/certificates/", 403)
        page(client, f"/office/certificates/{issued.pk}/", 403)
    sign_in(client, police_reviewer)  # manages certificates, of another organisation
    assert issued.number not in page(client, "/office/certificates/")
    foreign = page(client, f"/office/certificates/{issued.pk}/", 404)
    assert foreign == page(client, f"/office/certificates/{issued.pk + 1000}/", 404)
    page(client, f"/office/certificates/{issued.pk}/file/ofd/", 404)
    assert act(client, issued, "revoke", reason="越权").status_code == 404
    issued.refresh_from_db()
    assert issued.state == CertificateState.VALID


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client, issued) -> None:
    for url in ("/office/certificates/", f"/office/certificates/{issued.pk}/", "/office/certificates/types/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/office/login/")


# --- 吊销 and the other changes of state -------------------------------------------------------------


def test_revoking_through_the_form_writes_the_state_the_audit_and_shows_the_reason(
    client: Client, cast, issued
) -> None:
    sign_in(client, cast.reviewer)
    response = act(client, issued, "revoke", reason="以欺骗手段取得许可，依法吊销")
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.state == CertificateState.REVOKED and issued.state_reason == "以欺骗手段取得许可，依法吊销"
    entry = AuditEntry.objects.get(action="certificates.revoke")
    assert (
        entry.actor_id == cast.reviewer.pk
        and entry.summary["after"]["reason"] == "以欺骗手段取得许可，依法吊销"
    )
    detail = page(client, response["Location"])
    assert "已吊销" in detail and "以欺骗手段取得许可，依法吊销" in detail
    assert re.search(r'data-testid="certificate-state">吊销<', detail)
    assert f'action="/office/certificates/{issued.pk}/renew/"' not in detail  # nothing to renew


def test_a_change_without_a_reason_is_refused_and_changes_nothing(client: Client, cast, issued) -> None:
    sign_in(client, cast.reviewer)
    response = act(client, issued, "suspend", reason="  ")
    assert response.status_code == 422
    assert "原因：必填" in response.content.decode()
    issued.refresh_from_db()
    assert issued.state == CertificateState.VALID


def test_a_stale_form_is_refused_with_409(client: Client, cast, issued) -> None:
    sign_in(client, cast.reviewer)
    stale = issued.lock_version
    assert act(client, issued, "suspend", reason="停业整顿期间暂扣").status_code == 302
    response = act(client, issued, "cancel", reason="申请注销", expected_version=stale)
    assert response.status_code == 409
    assert "证照已被他人更新，请刷新后重试" in response.content.decode()
    issued.refresh_from_db()
    assert issued.state == CertificateState.SUSPENDED
    assert act(client, issued, "restore", reason="整改完毕").status_code == 302
    issued.refresh_from_db()
    assert issued.state == CertificateState.VALID and issued.state_reason == "整改完毕"


# --- new versions ------------------------------------------------------------------------------------


def test_a_renewal_creates_version_two_and_both_pages_show_the_chain(client: Client, cast, issued) -> None:
    sign_in(client, cast.reviewer)
    response = act(client, issued, "renew", reason="有效期届满前申请延续")
    assert response.status_code == 302
    renewed = Certificate.objects.get(replaces=issued)
    assert response["Location"] == f"/office/certificates/{renewed.pk}/"
    assert (renewed.version, renewed.operation, renewed.serial) == (2, Operation.RENEWAL, issued.serial)
    issued.refresh_from_db()
    assert issued.state == CertificateState.LAPSED

    new_page = page(client, response["Location"])
    assert "新版本为第 2 版" in new_page
    versions = new_page.split('data-testid="versions"')[1].split("</table>")[0]
    assert f'href="/office/certificates/{issued.pk}/"' in versions and renewed.identifier in versions
    old_versions = page(client, f"/office/certificates/{issued.pk}/").split('data-testid="versions"')[1]
    assert f'href="/office/certificates/{renewed.pk}/"' in old_versions.split("</table>")[0]


def test_a_change_issues_a_version_with_the_new_name_and_content(client: Client, cast, issued) -> None:
    sign_in(client, cast.reviewer)
    rows = "\n".join(f"{label}｜{value}" for label, value in issued.content)
    response = act(
        client,
        issued,
        "change",
        reason="企业名称变更",
        holder_name="咸宁市青山餐饮有限公司",
        content=rows + "\n备注｜名称变更",
    )
    assert response.status_code == 302
    changed = Certificate.objects.get(replaces=issued)
    assert changed.operation == Operation.CHANGE and changed.holder_name == "咸宁市青山餐饮有限公司"
    assert changed.content[-1] == ["备注", "名称变更"] and changed.valid_to == issued.valid_to
    bad = act(client, changed, "change", reason="x", content="没有分隔符")
    assert bad.status_code == 422 and "证照内容第 1 行" in bad.content.decode()


# --- files --------------------------------------------------------------------------------------------


def test_the_issuer_downloads_the_files_named_by_the_identifier_and_each_download_is_audited(
    client: Client, cast, issued
) -> None:
    sign_in(client, cast.reviewer)
    ofd = client.get(f"/office/certificates/{issued.pk}/file/ofd/")
    assert ofd.status_code == 200 and b"".join(ofd.streaming_content)[:2] == b"PK"
    assert f"{issued.identifier}.ofd" in ofd["Content-Disposition"]
    assert ofd["Content-Type"] == "application/ofd"
    pdf = client.get(f"/office/certificates/{issued.pk}/file/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content)[:5] == b"%PDF-"
    reads = AuditEntry.objects.filter(action="certificates.file_downloaded", actor_id=cast.reviewer.pk)
    assert reads.count() == 2
    page(client, f"/office/certificates/{issued.pk}/file/docx/", 404)
    sign_in(client, cast.clerk)
    page(client, f"/office/certificates/{issued.pk}/file/pdf/", 403)


# --- a person's ID number ------------------------------------------------------------------------------


def test_a_persons_id_number_is_masked_until_a_reason_is_given(client: Client, cast, personal) -> None:
    sign_in(client, cast.reviewer)
    masked = page(client, f"/office/certificates/{personal.pk}/")
    assert APPLICANT.id_number not in masked and mask_id_number(APPLICANT.id_number) in masked
    assert 'data-testid="change-form"' not in masked  # the change form would hold the number in full
    refused = client.post(f"/office/certificates/{personal.pk}/reveal/", {"reason": ""})
    assert refused.status_code == 422 and APPLICANT.id_number not in refused.content.decode()
    shown = client.post(f"/office/certificates/{personal.pk}/reveal/", {"reason": "持证人来电核对身份"})
    assert shown.status_code == 200 and APPLICANT.id_number in shown.content.decode()
    entry = AuditEntry.objects.get(action="certificates.holder_viewed")
    assert entry.actor_id == cast.reviewer.pk and entry.summary["after"]["reason"] == "持证人来电核对身份"


# --- the case's page --------------------------------------------------------------------------------


def test_the_case_page_links_its_certificate_for_the_issuer(client: Client, cast, issued) -> None:
    sign_in(client, cast.reviewer)
    detail = page(client, f"/office/cases/{issued.case_id}/")
    assert f'href="/office/certificates/{issued.pk}/"' in detail and issued.identifier in detail
    sign_in(client, cast.clerk)  # sees the case, manages no certificate: named, not linked
    detail = page(client, f"/office/cases/{issued.case_id}/")
    assert issued.identifier in detail and f'href="/office/certificates/{issued.pk}/"' not in detail


# --- the catalogue of certificate types -----------------------------------------------------------------


def type_form(licence, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": f"{VALID_CODE}031",
        "name": "餐饮服务许可证",
        "issuer": licence.organisation_id,
        "holder_kind": "legal",
        "validity_years": "5",
        "number_rule": "serial",
        "number_prefix": "CY",
        "items": [licence.pk],
        "is_active": "on",
    }
    return data | changes


def test_the_administrator_adds_and_edits_a_certificate_type(client: Client, cast, food, licence) -> None:
    sign_in(client, cast.admin)
    assert food.name in page(client, "/office/certificates/types/")
    assert "食品经营许可证核发" in page(client, "/office/certificates/types/new/")
    response = client.post("/office/certificates/types/new/", type_form(licence))
    assert response.status_code == 302
    made = CertificateType.objects.get(code=f"{VALID_CODE}031")
    assert made.issuer == cast.market and list(made.items.all()) == [licence] and made.validity_years == 5
    assert AuditEntry.objects.filter(action="certificates.type_saved", actor_id=cast.admin.pk).count() == 1

    # 不动产权证书 numbers read 鄂（2026）咸宁市不动产权第0001234号: the prefix is long.
    prefix = "鄂（2026）咸宁市不动产权第"
    changes = {"name": "餐饮服务许可证（新）", "is_active": "", "number_prefix": prefix}
    response = client.post(f"/office/certificates/types/{made.pk}/", type_form(licence, **changes))
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.name == "餐饮服务许可证（新）" and not made.is_active and made.number_prefix == prefix


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"code": f"{VALID_CODE[:-1]}X031"},
            "证照类型代码前18位（制定部门）：统一社会信用代码第18位校验码错误",
        ),
        ({"code": f"{VALID_CODE}03"}, "证照类型代码：应为21位"),
        ({"code": f"{VALID_CODE}0A1"}, "后3位（顺序号）应为数字"),
        ({"name": ""}, "证照类型名称：必填"),
        ({"validity_years": "0"}, "有效期（年）：1至100年"),
    ],
)
def test_a_wrong_type_is_refused_with_the_field_named(
    client: Client, cast, food, licence, changes, message
) -> None:
    sign_in(client, cast.admin)
    response = client.post("/office/certificates/types/new/", type_form(licence, **changes))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert CertificateType.objects.count() == 1


def test_a_type_is_issued_only_by_items_of_its_issuers_reach(client: Client, cast, food, licence) -> None:
    cast.police.uscc = "11421200MB0000002X"
    cast.police.save(update_fields=["uscc"])
    sign_in(client, cast.admin)
    response = client.post("/office/certificates/types/new/", type_form(licence, issuer=cast.police.pk))
    assert response.status_code == 422
    assert "不是“咸宁市公安局”及其下级机构的现行事项" in response.content.decode()


def test_a_type_that_issued_certificates_keeps_its_code(client: Client, cast, issued, licence) -> None:
    sign_in(client, cast.admin)
    response = client.post(
        f"/office/certificates/types/{issued.type_id}/", type_form(licence, code=f"{VALID_CODE}099")
    )
    assert response.status_code == 422 and "已签发证照的类型不能修改" in response.content.decode()


def test_only_keepers_of_items_in_reach_edit_types(client: Client, cast, food) -> None:
    editor = make_staff("police_editor", "郑编辑", cast.police, (Role.ITEM_EDITOR, cast.police))
    sign_in(client, editor)
    assert food.name not in page(client, "/office/certificates/types/")
    page(client, f"/office/certificates/types/{food.pk}/", 404)
    for refused in (cast.reviewer, cast.clerk):
        sign_in(client, refused)
        page(client, "/office/certificates/types/", 403)
        page(client, "/office/certificates/types/new/", 403)
