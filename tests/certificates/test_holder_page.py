"""我的电子证照: the holder proves ID (or 统一社会信用代码) + registered phone + SMS code, then sees their
certificates and who used them; nobody else's."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cases.conftest import COMPANY
from tests.certificates.proving import prove, texted_code
from yimen.cases.models import Channel
from yimen.certificates import reuse
from yimen.certificates.models import HolderCodeType, UseChannel
from yimen.core.models import OutboxMessage

pytestmark = pytest.mark.django_db
MINE = "/certificates/mine/"


def test_the_holder_sees_their_certificates_and_the_uses_of_them(cast, licensed, licence) -> None:
    case = reuse.submit_reusing(
        item=licence,
        applicant=COMPANY,
        channel=Channel.WINDOW,
        uploads_given=[],
        replacements=reuse.replaceable(licence.current, HolderCodeType.USCC, COMPANY.uscc),
        use_channel=UseChannel.WINDOW,
        by=cast.clerk,
        window=cast.window,
    ).case
    client = Client()
    assert client.get(MINE).status_code == 200
    proven = prove(client, MINE, kind="legal", code=COMPANY.uscc, phone=COMPANY.phone)
    assert proven.status_code == 302
    page = client.get(MINE).content.decode()
    assert licensed.identifier in page
    assert f'data-testid="state-{licensed.pk}">有效<' in page
    assert f"办理食品经营许可证核发（办件编号 {case.number}）" in page
    assert "咸宁市市场监督管理局" in page and "窗口调用" in page
    download = client.get(f"/certificates/mine/{licensed.pk}.ofd")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


def test_an_unregistered_phone_gets_the_same_answer_and_no_text(licensed) -> None:
    client = Client()
    fields = {"proof_kind": "legal", "holder_code": COMPANY.uscc, "proof_action": "send"}
    known = client.post(MINE, {**fields, "holder_phone": COMPANY.phone}).content.decode()
    texts = OutboxMessage.objects.filter(payload__template="identity.code").count()
    stranger = client.post(MINE, {**fields, "holder_phone": "13700000000"}).content.decode()
    assert OutboxMessage.objects.filter(payload__template="identity.code").count() == texts == 1
    assert "如该手机号码是办理业务时登记的号码，验证码已发送至" in known
    assert "如该手机号码是办理业务时登记的号码，验证码已发送至" in stranger


def test_without_proof_no_certificate_is_shown_or_served(licensed) -> None:
    client = Client()
    assert licensed.identifier not in client.get(MINE).content.decode()
    assert client.get(f"/certificates/mine/{licensed.pk}.pdf").status_code == 404


def test_a_proven_holder_cannot_fetch_another_holders_certificate(cast, licensed, issued) -> None:
    from yimen.certificates.models import Certificate

    # Both were issued to 青山食品: the 食品经营许可证 is made another holder's.
    Certificate.objects.filter(pk=issued.pk).update(holder_code_index="0" * 32)
    client = Client()
    prove(client, MINE, kind="legal", code=COMPANY.uscc, phone=COMPANY.phone)
    assert client.get(f"/certificates/mine/{issued.pk}.ofd").status_code == 404
    assert client.get(f"/certificates/mine/{licensed.pk}.ofd").status_code == 200


def test_a_wrong_code_does_not_prove(licensed) -> None:
    client = Client()
    fields = {"proof_kind": "legal", "holder_code": COMPANY.uscc, "holder_phone": COMPANY.phone}
    client.post(MINE, {**fields, "proof_action": "send"})
    code = texted_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post(MINE, {**fields, "proof_action": "check", "sms_code": wrong})
    assert response.status_code == 422
    assert "短信验证码错误，还可尝试4次" in response.content.decode()
    assert licensed.identifier not in client.get(MINE).content.decode()
