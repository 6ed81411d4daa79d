"""网上申办 with 免提交: after proving ID + registered phone + SMS code, a material a live certificate
replaces is shown as 「已调用电子证照，无需提交」 and the application is accepted without its file."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.certificates.proving import prove
from tests.portal.applying import COMPANY, application, materials, post, url
from yimen.cases.models import Case, CaseFile
from yimen.certificates.models import CertificateUse, UseChannel

pytestmark = pytest.mark.django_db


def test_an_online_application_without_the_replaced_file_is_accepted(licensed, licence) -> None:
    client = Client()
    proven = prove(
        client, url(licence) + "?kind=legal", kind="legal", code=COMPANY["uscc"], phone=COMPANY["phone"]
    )
    assert proven.status_code == 302
    ids = materials(licence)
    page = client.get(url(licence), {"kind": "legal"}).content.decode()
    assert f'data-testid="reused-{ids["营业执照"]}"' in page
    assert "已调用电子证照，无需提交" in page and licensed.identifier in page
    data = application(client, licence, token=None, **COMPANY, **{f"material_{ids['营业执照']}": None})
    data.pop("id_number", None)
    data[f"reuse_{ids['营业执照']}"] = "on"
    response = post(client, licence, data)
    assert response.status_code == 200, response.content.decode()
    case = Case.objects.get(item=licence, channel="online")
    assert list(CaseFile.objects.filter(case=case).values_list("material", flat=True)) == [
        "食品经营许可申请书"
    ]
    use = CertificateUse.objects.get(case=case)
    assert (use.certificate, use.material, use.channel, use.operator) == (
        licensed,
        "营业执照",
        UseChannel.ONLINE,
        None,
    )
    assert use.purpose == f"办理食品经营许可证核发（办件编号 {case.number}）"


def test_without_proof_the_material_must_be_uploaded(licensed, licence) -> None:
    client = Client()
    ids = materials(licence)
    assert "已调用电子证照" not in client.get(url(licence), {"kind": "legal"}).content.decode()
    data = application(client, licence, **COMPANY, **{f"material_{ids['营业执照']}": None})
    data.pop("id_number", None)
    data[f"reuse_{ids['营业执照']}"] = "on"  # a box the page never showed
    response = post(client, licence, data)
    assert response.status_code == 422
    assert "营业执照：必要材料，请上传" in response.content.decode()
    assert not Case.objects.filter(channel="online").exists()


def test_the_reuse_is_only_for_the_proven_holders_application(licensed, licence) -> None:
    client = Client()
    prove(client, url(licence) + "?kind=legal", kind="legal", code=COMPANY["uscc"], phone=COMPANY["phone"])
    ids = materials(licence)
    data = application(
        client, licence, **{**COMPANY, "uscc": "91421200MA00000A0T"}, **{f"material_{ids['营业执照']}": None}
    )
    data.pop("id_number", None)
    data[f"reuse_{ids['营业执照']}"] = "on"
    response = post(client, licence, data)
    assert response.status_code == 422
    assert "须与短信核验的一致" in response.content.decode()
    assert not CertificateUse.objects.exists()
