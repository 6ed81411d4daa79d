"""短信验证码: 6 digits texted to a phone, kept only as an HMAC-SM3, 5 minutes, 5 tries, budgets per phone
and per address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from yimen.core import sms_codes
from yimen.core.models import OutboxMessage, SmsCode

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
PURPOSE = "certificate.holder"


def sent_code() -> str:
    """The code of the latest SMS queued, as the phone would show it."""
    queued = OutboxMessage.objects.filter(name="sms.send", payload__template="identity.code").order_by("-pk")
    return queued.first().payload["context"]["code"]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_code_texted_proves_the_phone_once() -> None:
    sms_codes.send(phone=PHONE, purpose=PURPOSE, centre="咸宁市政务服务中心")
    code = sent_code()
    assert len(code) == 6 and code.isdigit()
    sms_codes.check(phone=PHONE, purpose=PURPOSE, code=code)
    with pytest.raises(sms_codes.CodeRefused):
        sms_codes.check(phone=PHONE, purpose=PURPOSE, code=code)  # used up


def test_the_code_is_kept_hashed_at_rest() -> None:
    sms_codes.send(phone=PHONE, purpose=PURPOSE, centre="咸宁市政务服务中心")
    code = sent_code()
    row = SmsCode.objects.values().get()
    stored = " ".join(str(value) for value in row.values())
    assert code not in stored
    assert PHONE not in stored
    assert len(row["digest"]) == 64  # HMAC-SM3


def test_five_wrong_codes_lock_it_even_against_the_right_one() -> None:
    sms_codes.send(phone=PHONE, purpose=PURPOSE, centre="中心")
    code = sent_code()
    messages = []
    for _ in range(5):
        with pytest.raises(sms_codes.CodeRefused) as refused:
            sms_codes.check(phone=PHONE, purpose=PURPOSE, code=wrong(code))
        messages.append(refused.value.message)
    assert messages[0] == "短信验证码错误，还可尝试4次"
    assert "已达5次" in messages[-1]
    with pytest.raises(sms_codes.CodeRefused, match="已达5次"):
        sms_codes.check(phone=PHONE, purpose=PURPOSE, code=code)


def test_an_expired_code_is_refused() -> None:
    sms_codes.send(phone=PHONE, purpose=PURPOSE, centre="中心")
    code = sent_code()
    SmsCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(sms_codes.CodeRefused, match="已过期"):
        sms_codes.check(phone=PHONE, purpose=PURPOSE, code=code)


def test_only_the_latest_code_counts_and_only_for_its_phone_and_purpose() -> None:
    sms_codes.send(phone=PHONE, purpose=PURPOSE, centre="中心")
    first = sent_code()
    sms_codes.send(phone=PHONE, purpose=PURPOSE, centre="中心")
    latest = sent_code()
    if first != latest:
        with pytest.raises(sms_codes.CodeRefused):
            sms_codes.check(phone=PHONE, purpose=PURPOSE, code=first)
    with pytest.raises(sms_codes.CodeRefused):
        sms_codes.check(phone="13700000000", purpose=PURPOSE, code=latest)
    with pytest.raises(sms_codes.CodeRefused):
        sms_codes.check(phone=PHONE, purpose="other.purpose", code=latest)
    sms_codes.check(phone=PHONE, purpose=PURPOSE, code=latest)


def test_codes_are_budgeted_per_phone_and_per_address() -> None:
    for _ in range(5):
        sms_codes.spend_budgets(phone=PHONE, address="203.0.113.1")
    with pytest.raises(sms_codes.TooMany) as refused:
        sms_codes.spend_budgets(phone=PHONE, address="203.0.113.1")
    assert refused.value.status == 429
    assert "该手机号码" in refused.value.message
    for n in range(5):
        sms_codes.spend_budgets(phone=f"1370000000{n}", address="203.0.113.1")
    with pytest.raises(sms_codes.TooMany, match="本网络地址"):
        sms_codes.spend_budgets(phone="13600000000", address="203.0.113.1")
