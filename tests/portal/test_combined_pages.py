"""一件事一次办 on the portal: the list linked from the home page, a guide with its single material list and
the promised time of the whole, and one online application filing a sub-case per item; a holder proven by
SMS files it without the material a live certificate of theirs replaces (免提交)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases.conftest import COMPANY as COMPANY_APPLICANT
from tests.certificates.combined_fixtures import SHARED_ID, SHARED_LICENCE, World
from tests.certificates.conftest import work_off
from tests.certificates.proving import prove
from tests.portal.applying import COMPANY, PDF
from yimen.cases.models import Case, CaseFile, Channel, Result
from yimen.cases.services import intake, steps
from yimen.certificates import combined
from yimen.certificates.models import Certificate, CertificateUse, CombinedCase, UseChannel

pytestmark = pytest.mark.django_db


def test_the_home_page_links_the_published_services(client: Client, meal: World) -> None:
    home = client.get("/").content.decode()
    assert "一件事一次办" in home and 'href="/combined/"' in home
    index = client.get("/combined/").content.decode()
    assert "开办餐饮店" in index and f'href="/combined/{meal.service.code}/"' in index


def test_the_guide_shows_one_material_list_and_the_time_of_the_whole(client: Client, meal: World) -> None:
    page = client.get(f"/combined/{meal.service.code}/").content.decode()
    # Each shared material is one row naming every item that needs it.
    table = page[page.index('data-testid="combined-materials"') :]
    assert table.count(f"<td>{SHARED_ID}</td>") == 1 and table.count(f"<td>{SHARED_LICENCE}</td>") == 1
    assert "企业设立登记（多证合一）、公章刻制备案" in table
    assert "公章刻制备案、食品经营许可证核发" in table
    # 3 days of registration, then 10 of the licence; the seal's 1 day alongside.
    assert "承诺办结时限合计：<strong>13 个工作日</strong>" in page
    assert "在“企业设立登记（多证合一）”办结出证后办理" in page
    assert "咸宁市市场监督管理局、咸宁市公安局" in page


def test_a_draft_or_retired_service_has_no_guide(client: Client, meal: World) -> None:
    combined.retire(service=meal.service, by=meal.people.editor)
    assert client.get(f"/combined/{meal.service.code}/").status_code == 404
    assert client.get("/combined/").content.decode().count("开办餐饮店") == 0


def _form(client: Client, code: str) -> tuple[str, dict[str, str]]:
    page = client.get(f"/combined/{code}/apply/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token
    fields = dict(re.findall(r'<label for="id_(material_\d+)">([^<]+?)(?: <span|</label>)', page))
    return token.group(1), {label.strip(): name for name, label in fields.items()}


def test_one_online_application_files_every_sub_case_with_the_shared_file_once(
    client: Client, meal: World
) -> None:
    token, fields = _form(client, meal.service.code)
    assert len(fields) == 5  # five lines, though the three guides list seven materials
    form = client.get(f"/combined/{meal.service.code}/apply/").content.decode()
    assert 'href="/privacy/"' in form[form.index('data-testid="apply-form"') :]  # the notice, inside the form
    data = {k: v for k, v in COMPANY.items() if k != "kind"} | {"token": token}
    files = {name: SimpleUploadedFile(f"{label}.pdf", PDF) for label, name in fields.items()}
    response = client.post(f"/combined/{meal.service.code}/apply/", {**data, **files})
    assert response.status_code == 200, response.content.decode()[:2000]
    [filed] = CombinedCase.objects.all()
    assert filed.number in response.content.decode()
    cases = Case.objects.filter(combined_part__combined=filed)
    assert cases.count() == 3 and {c.channel for c in cases} == {Channel.ONLINE}
    assert CaseFile.objects.filter(material=SHARED_ID).count() == 2
    assert CaseFile.objects.count() == 7

    again = client.post(
        f"/combined/{meal.service.code}/apply/",
        {**data, **{n: SimpleUploadedFile("a.pdf", PDF) for n in files}},
    )
    assert again.status_code == 200 and "没有重复提交" in again.content.decode()
    assert CombinedCase.objects.count() == 1 and Case.objects.count() == 3


def test_a_missing_required_material_files_nothing_and_says_which(client: Client, meal: World) -> None:
    token, _ = _form(client, meal.service.code)
    data = {k: v for k, v in COMPANY.items() if k != "kind"} | {"token": token}
    response = client.post(f"/combined/{meal.service.code}/apply/", data)
    assert response.status_code == 422
    assert f"{SHARED_ID}：必要材料，请上传" in response.content.decode()
    assert not Case.objects.exists() and not CombinedCase.objects.exists()


# --- 免提交 -------------------------------------------------------------------------------------------


@pytest.fixture
def registered(meal: World) -> Certificate:
    """青山食品's live 营业执照, from a registration it filed (and so its phone registered) before."""
    case = intake.submit(
        item=meal.registration,
        applicant=COMPANY_APPLICANT,
        channel=Channel.WINDOW,
        by=meal.front,
        window=meal.front.window,
    )
    case = steps.accept(case=case, by=meal.front)
    steps.conclude(case=case, by=meal.cast.reviewer, result=Result.ISSUED)
    work_off()
    return Certificate.objects.get(case=case)


def _prove(client: Client, code: str):
    return prove(
        client, f"/combined/{code}/apply/", kind="legal", code=COMPANY["uscc"], phone=COMPANY["phone"]
    )


def _reused_form(client: Client, meal: World) -> tuple[dict[str, str], dict[str, str]]:
    """The applicant's fields and token, and the upload fields of the lines the page does not replace."""
    token, fields = _form(client, meal.service.code)
    data = {k: v for k, v in COMPANY.items() if k != "kind"} | {"token": token}
    return data, fields


def test_a_proven_holder_files_without_the_replaced_material_and_each_sub_case_records_the_use(
    client: Client, meal: World, registered: Certificate
) -> None:
    code = meal.service.code
    assert _prove(client, code).status_code == 302
    page = client.get(f"/combined/{code}/apply/").content.decode()
    assert 'data-testid="holder-proven"' in page
    reused = re.search(r'data-testid="reused-(\d+)"', page)
    assert reused, "the 营业执照 line is not offered"
    row = page[reused.start() : page.index("</div>\n", page.index("取消勾选的", reused.start()))]
    assert "已调用电子证照，无需提交" in row and registered.identifier in row and "营业执照" in row
    assert f'name="reuse_{reused.group(1)}"' in row and "checked" in row
    data, fields = _reused_form(client, meal)
    assert SHARED_LICENCE not in fields  # its upload is not a plain line any more
    files = {name: SimpleUploadedFile(f"{label}.pdf", PDF) for label, name in fields.items()}
    response = client.post(f"/combined/{code}/apply/", {**data, **files, f"reuse_{reused.group(1)}": "on"})
    assert response.status_code == 200, response.content.decode()[:3000]
    [filed] = CombinedCase.objects.all()
    cases = Case.objects.filter(combined_part__combined=filed)
    uses = CertificateUse.objects.filter(case__in=cases)
    assert sorted(uses.values_list("case__item_id", flat=True)) == sorted([meal.seal.pk, meal.licence.pk])
    assert {(u.certificate_id, u.material, u.channel, u.operator_id) for u in uses} == {
        (registered.pk, SHARED_LICENCE, UseChannel.ONLINE, None)
    }
    assert not CaseFile.objects.filter(case__in=cases, material=SHARED_LICENCE).exists()
    assert CaseFile.objects.filter(case__in=cases, material=SHARED_ID).count() == 2


def test_without_proof_the_replaceable_material_must_still_be_uploaded(
    client: Client, meal: World, registered: Certificate
) -> None:
    code = meal.service.code
    page = client.get(f"/combined/{code}/apply/").content.decode()
    assert "已调用电子证照" not in page and 'data-testid="proof-form"' in page
    data, fields = _reused_form(client, meal)
    licence_field = fields.pop(SHARED_LICENCE)
    files = {name: SimpleUploadedFile(f"{label}.pdf", PDF) for label, name in fields.items()}
    box = licence_field.replace("material_", "reuse_")  # a box the page never showed
    response = client.post(f"/combined/{code}/apply/", {**data, **files, box: "on"})
    assert response.status_code == 422
    assert f"{SHARED_LICENCE}：必要材料，请上传" in response.content.decode()
    assert not CombinedCase.objects.exists() and not CertificateUse.objects.exists()


def test_the_reuse_is_only_for_the_proven_holders_application(
    client: Client, meal: World, registered: Certificate
) -> None:
    code = meal.service.code
    _prove(client, code)
    page = client.get(f"/combined/{code}/apply/").content.decode()
    reused = re.search(r'data-testid="reused-(\d+)"', page)
    assert reused
    data, fields = _reused_form(client, meal)
    files = {name: SimpleUploadedFile(f"{label}.pdf", PDF) for label, name in fields.items()}
    other = {**data, "uscc": "91421200MA00000A0T", f"reuse_{reused.group(1)}": "on"}
    response = client.post(f"/combined/{code}/apply/", {**other, **files})
    assert response.status_code == 422
    assert "须与短信核验的一致" in response.content.decode()
    assert not CombinedCase.objects.exists() and not CertificateUse.objects.exists()
