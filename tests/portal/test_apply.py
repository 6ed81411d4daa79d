"""网上申办: a citizen or a company applies on the portal against the item's current guide. One form files
one case with its files, or — on any error — nothing at all, and says in Chinese which field broke which
rule."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from tests.catalog.conftest import published
from tests.portal.applying import (
    COMPANY,
    LICENCE,
    PDF,
    PERSON,
    application,
    assert_nothing_saved,
    files_on_disk,
    fresh_token,
    materials,
    pdf,
    post,
    url,
)
from yimen.cases.models import Case, CaseFile, CaseState, Channel
from yimen.cases.services import steps
from yimen.catalog.models import ServiceItem
from yimen.core import events, notify
from yimen.core.models import OutboxMessage

pytestmark = pytest.mark.django_db

# --- the button on the guide, and items that do not take online applications ----------------------


def test_the_guide_offers_online_application_when_its_online_depth_allows_it(client: Client, licence) -> None:
    page = client.get(f"/guide/{licence.impl_code}/").content.decode()
    assert "在线申办" in page and url(licence) in page


def test_an_item_for_the_window_only_has_no_button_and_its_apply_page_says_why(
    client: Client, people
) -> None:
    version = published(people, name="特种设备作业人员考核", basic_code="XK-2", online_depth="2")
    guide = client.get(f"/guide/{version.item.impl_code}/").content.decode()
    assert "在线申办" not in guide

    page = client.get(url(version.item))
    assert page.status_code == 404
    text = page.content.decode()
    assert "网办深度为“二级：表格下载”，暂不支持在线申办，请到窗口办理" in text
    assert post(client, version.item, {**PERSON}).status_code == 404
    assert not Case.objects.exists()


def test_an_unknown_or_retired_item_has_no_apply_page(client: Client, licence, people) -> None:
    assert client.get("/guide/NO-SUCH-ITEM/apply/").status_code == 404
    ServiceItem.objects.filter(pk=licence.pk).update(retired_at="2024-01-01T00:00:00+08:00")
    assert client.get(url(licence)).status_code == 404


# --- the form ------------------------------------------------------------------------------------


def test_the_form_lists_the_current_versions_materials_with_required_ones_marked(
    client: Client, licence
) -> None:
    page = client.get(url(licence)).content.decode()
    assert "第1版材料目录" in page
    for name in ("食品经营许可申请书", "营业执照", "委托书"):
        assert name in page
    assert "非必要：委托他人办理时" in page
    assert page.count("（必要）") == 2
    accept = re.search(r'accept="([^"]+)"', page)
    assert accept is not None and set(accept.group(1).split(",")) >= {".pdf", ".jpg", ".png", ".ofd", ".docx"}


def test_the_applicant_type_switches_by_a_link_without_javascript(client: Client, licence) -> None:
    person = client.get(url(licence)).content.decode()
    assert 'name="id_number"' in person and 'name="uscc"' not in person
    assert "?kind=legal" in person and "姓名" in person

    company = client.get(url(licence), {"kind": "legal"}).content.decode()
    assert 'name="uscc"' in company and 'name="legal_representative"' in company
    assert 'name="id_number"' not in company and "单位名称" in company
    assert "<script" not in company


# --- success ---------------------------------------------------------------------------------------


def test_an_application_files_one_submitted_case_on_the_current_version_with_its_files(
    client: Client, licence
) -> None:
    response = post(client, licence, application(client, licence))

    assert response.status_code == 200
    case = Case.objects.get()
    assert (case.state, case.channel, case.applicant_name) == (CaseState.SUBMITTED, Channel.ONLINE, "张三")
    assert case.version_id == licence.current_id and case.phone == "13812345678"
    assert case.window is None and case.organisation_id == licence.organisation_id
    page = response.content.decode()
    assert case.number in page and case.query_code in page and re.fullmatch(r"\d{6}", case.query_code)
    assert "已申报，待受理" in page and "138****5678" in page
    assert "no-store" in response["Cache-Control"]

    stored = {f.material: f for f in CaseFile.objects.filter(case=case)}
    assert set(stored) == {"食品经营许可申请书", "营业执照"}
    licence_file = stored["营业执照"]
    assert licence_file.sha256 == hashlib.sha256(LICENCE).hexdigest()
    assert licence_file.content_type == "application/pdf" and licence_file.uploaded_by is None
    path = Path(licence_file.file.path).resolve()
    assert path.read_bytes() == LICENCE
    assert path.is_relative_to(Path(default_storage.location).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not getattr(settings, "MEDIA_ROOT", "") or not path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert "申请书" not in path.name  # stored under a random name, not the applicant's
    assert client.get(f"/static/{licence_file.file.name}").status_code == 404
    assert client.get(f"/media/{licence_file.file.name}").status_code == 404


def test_the_receipt_looks_the_case_up_with_its_number_and_code(client: Client, licence) -> None:
    page = post(client, licence, application(client, licence)).content.decode()
    case = Case.objects.get()
    assert 'action="/cases/"' in page
    assert f'name="number" value="{case.number}"' in page and f'name="code" value="{case.query_code}"' in page

    found = client.post("/cases/", {"number": case.number, "code": case.query_code}).content.decode()
    assert "已申报，待受理" in found and "网上申报" in found


def test_a_company_applies_with_its_credit_code_and_legal_representative(client: Client, licence) -> None:
    data = application(client, licence, token=fresh_token(client, licence, kind="legal"), **COMPANY)
    data.pop("id_number")
    assert post(client, licence, data).status_code == 200
    case = Case.objects.get()
    assert (case.applicant_kind, case.uscc, case.legal_representative, case.id_number) == (
        "legal",
        "91350100M000100Y43",
        "李四",
        "",
    )


def test_the_applicant_is_texted_the_query_code_when_the_case_is_accepted(
    client: Client, cast, licence
) -> None:
    post(client, licence, application(client, licence))
    case = steps.accept(case=Case.objects.get(), by=cast.clerk)
    sms = OutboxMessage.objects.get(name="sms.send", payload__template="case.accepted")
    assert "13812345678" not in str(sms.payload)  # sealed in the outbox
    assert notify.payload_phone(events.SMS_SEND.load(sms.payload)) == "13812345678"
    assert sms.payload["template"] == "case.accepted"
    assert sms.payload["context"]["code"] == case.query_code


# --- refusals: Chinese, named, and nothing kept ---------------------------------------------------


def test_a_wrong_id_number_is_refused_in_chinese_and_nothing_is_saved(client: Client, licence) -> None:
    before = files_on_disk()
    response = post(client, licence, application(client, licence, id_number="110105194912310021"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "公民身份号码第18位校验码错误：应为 X" in page
    assert "申请未提交" in page
    assert_nothing_saved(before)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"uscc": "91350100M000100Y44"}, "统一社会信用代码第18位校验码错误：应为 3"),
        ({"uscc": "91350100M00010"}, "统一社会信用代码应为18位（当前14位）"),
        ({"legal_representative": " "}, "法定代表人：法人申请必填"),
    ],
)
def test_a_company_with_a_wrong_credit_code_or_no_legal_representative_is_refused(
    client: Client, licence, fields: dict[str, str], message: str
) -> None:
    before = files_on_disk()
    response = post(client, licence, application(client, licence, **{**COMPANY, **fields}))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert_nothing_saved(before)


def test_every_problem_is_shown_at_once(client: Client, licence) -> None:
    ids = materials(licence)
    data = application(client, licence, name="", phone="12345", consent=None)
    data[f"material_{ids['营业执照']}"] = None
    page = post(client, licence, {k: v for k, v in data.items() if v is not None}).content.decode()
    for message in (
        "申请人：必填",
        "手机号码：应为11位手机号码",
        "营业执照：必要材料，请上传",
        "承诺：请阅读并勾选",
    ):
        assert message in page


def test_a_text_file_renamed_pdf_is_refused_by_its_content(client: Client, licence) -> None:
    before = files_on_disk()
    ids = materials(licence)
    fake = SimpleUploadedFile("申请书.pdf", "这其实是一个文本文件".encode(), content_type="application/pdf")
    response = post(
        client, licence, application(client, licence, **{f"material_{ids['食品经营许可申请书']}": fake})
    )
    assert response.status_code == 422
    assert (
        "食品经营许可申请书：文件“申请书.pdf”不是有效的 PDF、JPEG、PNG、OFD 或 DOCX 文件（按内容识别）"
        in response.content.decode()
    )
    assert_nothing_saved(before)


def test_a_file_over_the_size_limit_is_refused(client: Client, licence) -> None:
    before = files_on_disk()
    ids = materials(licence)
    with override_settings(YIMEN={**settings.YIMEN, "UPLOAD_MAX_BYTES": 64}):
        data = application(client, licence, **{f"material_{ids['营业执照']}": pdf("大.pdf", PDF + b" " * 64)})
        response = post(client, licence, data)
    assert response.status_code == 422
    assert "营业执照：文件“大.pdf”超过" in response.content.decode()
    assert_nothing_saved(before)


def test_a_missing_required_material_is_refused_and_an_optional_one_is_not_asked_for(
    client: Client, licence
) -> None:
    before = files_on_disk()
    ids = materials(licence)
    data = application(client, licence)
    data.pop(f"material_{ids['营业执照']}")
    response = post(client, licence, data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "营业执照：必要材料，请上传（PDF、JPEG、PNG、OFD 或 DOCX）" in page
    assert "委托书：必要材料" not in page
    assert_nothing_saved(before)


def test_the_consent_must_be_given(client: Client, licence) -> None:
    response = post(client, licence, application(client, licence, consent=None))
    assert response.status_code == 422
    assert "承诺：请阅读并勾选真实性承诺后再提交" in response.content.decode()
    assert not Case.objects.exists()


def test_a_forged_token_is_refused(client: Client, licence) -> None:
    response = post(client, licence, application(client, licence, token="forged:token"))
    assert response.status_code == 422
    assert "页面校验失败：请从办事指南重新进入在线申办" in response.content.decode()
    assert not Case.objects.exists()


def test_a_missing_token_and_an_over_long_name_are_named(client: Client, licence) -> None:
    data = application(client, licence, name="张" * 101)
    data.pop("token")
    page = post(client, licence, data)
    assert page.status_code == 422
    text = page.content.decode()
    assert "页面校验失败：请刷新页面" in text and "申请人：最多 100 个字符" in text
    assert not Case.objects.exists()


def test_an_item_for_persons_only_refuses_a_company(client: Client, people) -> None:
    version = published(people, basic_code="XK-5", for_legal=False)
    item = ServiceItem.objects.get(pk=version.item_id)
    assert "法人或其他组织" not in client.get(url(item)).content.decode()
    response = post(client, item, application(client, item, **COMPANY))
    assert response.status_code == 422
    assert "申请人类型：该事项不受理此类申请人" in response.content.decode()
    assert not Case.objects.exists()


def test_a_form_rendered_before_the_guide_changed_is_refused(client: Client, licence, people) -> None:
    from tests.catalog.conftest import make_guide
    from yimen.catalog import services as catalog

    token = fresh_token(client, licence)
    draft = catalog.start_revision(item=licence, by=people.editor)
    catalog.update_draft(version=draft, by=people.editor, guide=make_guide(change_note="材料调整"))
    catalog.submit(version=draft, by=people.editor)
    catalog.legal_approve(version=draft, by=people.legal)
    catalog.reform_approve(version=draft, by=people.reform)
    licence.refresh_from_db()

    response = post(client, licence, application(client, licence, token=token))
    assert response.status_code == 422
    assert "办事指南已更新为第2版：请按新的材料目录重新填写并上传" in response.content.decode()
    assert not Case.objects.exists()


def test_a_business_type_is_chosen_when_the_item_has_several(client: Client, people) -> None:
    version = published(people, basic_code="XK-3", business_types=["初次申领", "变更"])
    item = ServiceItem.objects.get(pk=version.item_id)
    missing = post(client, item, application(client, item))
    assert missing.status_code == 422
    assert "业务类型：请选择本次办理的业务类型" in missing.content.decode()
    assert not Case.objects.exists()

    done = post(client, item, application(client, item, business_type="变更"))
    assert done.status_code == 200
    assert '<dt>业务类型</dt><dd data-testid="business-type">变更</dd>' in done.content.decode()
    assert Case.objects.get().business_type == "变更"


def test_full_online_service_and_online_pre_review_both_take_applications(
    client: Client, people, licence
) -> None:
    assert "本事项为网上预审" in client.get(url(licence)).content.decode()
    version = published(people, basic_code="XK-4", online_depth="4", visits=0)
    item = ServiceItem.objects.get(pk=version.item_id)
    page = client.get(url(item)).content.decode()
    assert "四级：全程网办" in page and "本事项为网上预审" not in page
    assert post(client, item, application(client, item)).status_code == 200
