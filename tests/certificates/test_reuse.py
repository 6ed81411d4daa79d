"""免提交: a live certificate of the applicant replaces a material of the item's list; the clerk confirms, the
use is recorded with the case (purpose, operator, time) and no file is asked for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests import samples
from tests.cases.conftest import COMPANY
from tests.certificates.conftest import BUSINESS_TYPE
from tests.conftest import sign_in
from yimen.cases.models import Case, CaseFile, Channel
from yimen.catalog.models import Material
from yimen.certificates import reuse, services
from yimen.certificates.models import CertificateUse, HolderCodeType, UseChannel
from yimen.core.errors import ApplicationError
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.core.people import Applicant

pytestmark = pytest.mark.django_db
OTHER_COMPANY = "91421200MA00000A0T"  # a valid 统一社会信用代码 of a company holding nothing
PDF = samples.pdf()


def _offered(licence):
    return reuse.replaceable(licence.current, HolderCodeType.USCC, COMPANY.uscc)


def test_a_live_licence_replaces_the_material_that_names_its_type(licensed, licence) -> None:
    [offered] = _offered(licence)
    assert offered.material == "营业执照"
    assert (offered.certificate, offered.identifier, offered.number) == (
        licensed.pk,
        licensed.identifier,
        COMPANY.uscc,  # 营业执照 prints the 统一社会信用代码
    )
    assert offered.type_name == "营业执照"


def test_a_material_may_name_the_type_by_its_code(licensed, licence) -> None:
    Material.objects.filter(version=licence.current, name="营业执照").update(certificate_type=BUSINESS_TYPE)
    assert [r.certificate for r in _offered(licence)] == [licensed.pk]


def test_a_revoked_licence_is_not_offered(cast, licensed, licence) -> None:
    services.change_state(certificate=licensed, by=cast.reviewer, action="revoke", reason="虚假登记")
    assert _offered(licence) == []


def test_a_licence_past_its_validity_is_not_offered(licensed, licence) -> None:
    type(licensed).objects.filter(pk=licensed.pk).update(valid_to=timezone.localdate() - timedelta(days=1))
    assert _offered(licence) == []


def test_another_holders_certificate_is_never_offered(licensed, licence) -> None:
    assert reuse.replaceable(licence.current, HolderCodeType.USCC, OTHER_COMPANY) == []
    # … nor for a person whose ID number happens to be typed as a 统一社会信用代码's holder type
    assert reuse.replaceable(licence.current, HolderCodeType.ID_CARD, COMPANY.uscc) == []


def test_reuse_records_the_use_with_purpose_case_operator_and_time(cast, licensed, licence) -> None:
    before = timezone.now()
    submitted = reuse.submit_reusing(
        item=licence,
        applicant=COMPANY,
        channel=Channel.WINDOW,
        uploads_given=[],
        replacements=_offered(licence),
        use_channel=UseChannel.WINDOW,
        by=cast.clerk,
        window=cast.window,
    )
    case = submitted.case
    use = CertificateUse.objects.get(case=case)
    assert use.certificate == licensed
    assert use.material == "营业执照"
    assert use.purpose == f"办理食品经营许可证核发（办件编号 {case.number}）"
    assert use.operator == cast.clerk
    assert use.organisation == cast.market
    assert use.channel == UseChannel.WINDOW
    assert before <= use.at <= timezone.now()
    assert AuditEntry.objects.filter(action="certificates.used", object_id=str(licensed.pk)).count() == 1
    assert OutboxMessage.objects.filter(name="certificate.used", payload__case=case.pk).count() == 1
    # recorded once per material: a repeat changes nothing
    reuse.reuse_at_intake(case=case, replacements=_offered(licence), by=cast.clerk, channel=UseChannel.WINDOW)
    assert CertificateUse.objects.filter(case=case).count() == 1


def test_a_file_given_for_a_replaced_material_is_not_kept(cast, licensed, licence) -> None:
    from yimen.cases.uploads import Upload

    given = [
        Upload("营业执照", SimpleUploadedFile("yyzz.pdf", PDF)),
        Upload("食品经营许可申请书", SimpleUploadedFile("sqs.pdf", PDF)),
    ]
    case = reuse.submit_reusing(
        item=licence,
        applicant=COMPANY,
        channel=Channel.WINDOW,
        uploads_given=given,
        replacements=_offered(licence),
        use_channel=UseChannel.WINDOW,
        by=cast.clerk,
        window=cast.window,
    ).case
    assert list(CaseFile.objects.filter(case=case).values_list("material", flat=True)) == [
        "食品经营许可申请书"
    ]


def test_a_replacement_no_longer_live_at_filing_files_nothing(cast, licensed, licence) -> None:
    offered = _offered(licence)
    services.change_state(certificate=licensed, by=cast.reviewer, action="cancel", reason="企业注销")
    filed = Case.objects.count()
    with pytest.raises(ApplicationError) as refused:
        reuse.submit_reusing(
            item=licence,
            applicant=COMPANY,
            channel=Channel.WINDOW,
            uploads_given=[],
            replacements=offered,
            use_channel=UseChannel.WINDOW,
            by=cast.clerk,
            window=cast.window,
        )
    assert "营业执照" in refused.value.fields
    assert Case.objects.count() == filed
    assert not CertificateUse.objects.exists()


def test_another_applicants_case_cannot_use_the_companys_licence(cast, licensed, licence) -> None:
    other = Applicant(
        kind="legal", name="别家公司", phone="13700000000", uscc=OTHER_COMPANY, legal_representative="王五"
    )
    with pytest.raises(ApplicationError):
        reuse.submit_reusing(
            item=licence,
            applicant=other,
            channel=Channel.WINDOW,
            uploads_given=[],
            replacements=_offered(licence),
            use_channel=UseChannel.WINDOW,
            by=cast.clerk,
            window=cast.window,
        )
    assert not CertificateUse.objects.exists()


# --- the window -----------------------------------------------------------------------------------


def _window_form(licence, **extra: str) -> dict[str, str]:
    return {
        "kind": "legal",
        "name": COMPANY.name,
        "uscc": COMPANY.uscc,
        "legal_representative": COMPANY.legal_representative,
        "phone": COMPANY.phone,
        **extra,
    }


def test_window_intake_shows_the_materials_a_live_licence_replaces(client, cast, licensed, licence) -> None:
    sign_in(client, cast.clerk)
    url = f"/office/cases/intake/{licence.pk}/"
    response = client.post(url, _window_form(licence, then="identify"))
    assert response.status_code == 200
    page = response.content.decode()
    material = Material.objects.get(version=licence.current, name="营业执照")
    assert f'data-testid="reused-{material.pk}"' in page
    assert "已调用电子证照，无需提交" in page
    assert licensed.identifier in page
    assert f'name="reuse_{material.pk}" id="id_reuse_{material.pk}" checked' in page
    assert (
        not Case.objects.filter(channel=Channel.WINDOW).exclude(item=licensed.item).exists()
    )  # nothing filed


def test_window_intake_records_the_confirmed_use(client, cast, licensed, licence) -> None:
    sign_in(client, cast.clerk)
    material = Material.objects.get(version=licence.current, name="营业执照")
    response = client.post(
        f"/office/cases/intake/{licence.pk}/",
        _window_form(licence, then="register", **{f"reuse_{material.pk}": "on"}),
    )
    assert response.status_code == 302
    case = Case.objects.get(item=licence)
    use = CertificateUse.objects.get(case=case)
    assert (use.certificate, use.operator, use.channel) == (licensed, cast.clerk, UseChannel.WINDOW)


def test_window_intake_unticked_records_no_use(client, cast, licensed, licence) -> None:
    sign_in(client, cast.clerk)
    response = client.post(f"/office/cases/intake/{licence.pk}/", _window_form(licence, then="register"))
    assert response.status_code == 302
    assert Case.objects.filter(item=licence).exists()
    assert not CertificateUse.objects.exists()
