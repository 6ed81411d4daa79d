"""短信验证码: prove that a phone is at hand with a 6-digit one-time code sent to it.

A code is drawn from `secrets`, sent through the outbox (`notify.queue_sms`, template "identity.code")
and kept only as an HMAC-SM3 under a key derived from SECRET_KEY, bound to the phone and the purpose, so
neither the table nor a copy of it gives the code back. A code lives `TTL_SECONDS` (5 minutes); the latest
code sent to a phone for a purpose is the only one that counts; it takes at most `MAX_ATTEMPTS` (5)
tries, each counted before it is judged in one guarded UPDATE, after which it is locked and a new code
must be asked for. Sending is limited per phone and per client address (core.throttle budgets), so a
stranger can neither flood a phone with texts nor guess a code by asking for many.

The SMS itself (the outbox's payload and the SMS log's text) says the code in clear, as every SMS says
what it says; it is useless after its 5 minutes.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from yimen.core import batch, crypto, notify
from yimen.core.errors import ApplicationError
from yimen.core.models import SmsCode
from yimen.core.throttle import Budget

TEMPLATE = "identity.code"
DIGITS = 6
TTL_SECONDS = 5 * 60
MAX_ATTEMPTS = 5
PHONE_PURPOSE = "phone"  # the blind index's purpose for a phone: the same digest as Case.phone_index

PER_PHONE = Budget("smscode:phone", lambda: 5, 3600, "该手机号码1小时内获取验证码次数已达上限，请稍后再试")
PER_ADDRESS = Budget("smscode:ip", lambda: 10, 3600, "本网络地址1小时内获取验证码次数已达上限，请稍后再试")


class CodeRefused(ApplicationError):
    """A code that does not prove the phone: wrong, expired, locked, or never sent (HTTP 422)."""


class TooMany(ApplicationError):
    """A budget of codes is spent (HTTP 429)."""

    status = 429


def _key() -> bytes:
    return crypto.sm3_hmac(settings.SECRET_KEY.encode(), b"yimen sms one-time code")


def _digest(phone: str, purpose: str, code: str) -> str:
    return crypto.sm3_hmac(_key(), f"{purpose}\x00{phone}\x00{code}".encode()).hex()


def _latest(phone: str, purpose: str) -> SmsCode | None:
    indexes = crypto.blind_indexes(phone, PHONE_PURPOSE)
    return (
        SmsCode.objects.filter(phone_index__in=indexes, purpose=purpose)
        .order_by("-created_at", "-pk")
        .first()
    )


def spend_budgets(*, phone: str, address: str) -> None:
    """Count one code for the phone and one for the client address; raises TooMany when either is spent
    (the other's count is given back)."""
    by_address = PER_ADDRESS.take(address)
    if by_address is None:
        raise TooMany(PER_ADDRESS.message, fields={"phone": [PER_ADDRESS.message]})
    if PER_PHONE.take(phone) is None:
        by_address.give_back()
        raise TooMany(PER_PHONE.message, fields={"phone": [PER_PHONE.message]})


@batch.atomic
def send(*, phone: str, purpose: str, centre: str) -> None:
    """A fresh code for the phone and purpose, queued as an SMS; earlier codes for them stop counting.
    The caller has spent the budgets (`spend_budgets`)."""
    phone = notify.validate_phone(phone)
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    now = timezone.now()
    made = SmsCode.objects.create(
        phone_index=crypto.blind_index(phone, PHONE_PURPOSE),
        purpose=purpose,
        digest=_digest(phone, purpose, code),
        created_at=now,
        expires_at=now + timedelta(seconds=TTL_SECONDS),
    )
    notify.queue_sms(
        phone=phone,
        template=TEMPLATE,
        context={"centre": centre, "code": code, "minutes": str(TTL_SECONDS // 60)},
        key=f"smscode:{made.pk}",
    )


def check(*, phone: str, purpose: str, code: str) -> None:
    """Does `code` prove the phone for the purpose? Returns when it does (the code is then used up), else
    raises CodeRefused saying why: no code, expired, locked after MAX_ATTEMPTS tries, or wrong (with the
    tries left). Each try is counted before it is judged, so concurrent guesses share the five."""
    phone = notify.validate_phone(phone)
    code = "".join(code.split())
    latest = _latest(phone, purpose)
    if latest is None or latest.used_at is not None:
        raise CodeRefused("请先获取短信验证码", fields={"code": ["短信验证码：请先获取验证码"]})
    if latest.expires_at <= timezone.now():
        message = f"短信验证码已过期（有效期{TTL_SECONDS // 60}分钟），请重新获取"
        raise CodeRefused(message, fields={"code": [message]})
    counted = SmsCode.objects.filter(pk=latest.pk, used_at=None, attempts__lt=MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if not counted:
        message = f"短信验证码错误已达{MAX_ATTEMPTS}次，该验证码已失效，请重新获取"
        raise CodeRefused(message, fields={"code": [message]})
    if not hmac.compare_digest(_digest(phone, purpose, code), latest.digest):
        left = MAX_ATTEMPTS - latest.attempts - 1
        message = (
            f"短信验证码错误，还可尝试{left}次"
            if left > 0
            else f"短信验证码错误已达{MAX_ATTEMPTS}次，该验证码已失效，请重新获取"
        )
        raise CodeRefused(message, fields={"code": [message]})
    if not SmsCode.objects.filter(pk=latest.pk, used_at=None).update(used_at=timezone.now()):
        raise CodeRefused("该验证码已使用，请重新获取", fields={"code": ["短信验证码：已使用，请重新获取"]})


def forget_expired() -> int:
    """Drop codes past their life (the worker calls this now and then)."""
    return SmsCode.objects.filter(expires_at__lte=timezone.now()).delete()[0]
