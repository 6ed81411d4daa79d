"""Notifications to applicants: an SMS is queued in the caller's transaction and sent by the worker.

`queue_sms()` writes an "sms.send" event to the outbox; nothing leaves the machine inside the request.
The worker's handler (core/handlers.py) calls `send_queued()`, which renders the administrator's
template, applies the per-phone monthly quota, and sends through the configured channel
(sms_transports.py); a channel that is down raises, and the outbox retries with backoff.

The phone is personal data at rest (GB/T 22239-2019 8.1.4.8) in both tables that keep it: the event's
payload carries it SM4-GCM-sealed (`seal_payload_phone`; the outbox row stays after delivery), and the
SmsMessage row seals it with a blind index beside it, which the quota and the admin's search compare.

A redelivered event sends nothing twice. Its SmsMessage row is keyed by the event's key: once the row
says sent (or refused), a redelivery changes nothing. A worker killed after the channel took the SMS but
before the row says so leaves it to be sent again, with the same key, and the channel drops the repeat:
the file channel writes one line per key; the HTTP gateway receives the key as `Idempotency-Key` and
`msgid` and must drop a key it accepted in the last 72 hours, answering with the first id (the contract
in sms_transports.HttpGatewayTransport); the console channel only logs and may log it twice.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from yimen.core import crypto, events
from yimen.core.errors import ApplicationError
from yimen.core.fields import matching, write_stored
from yimen.core.identity import normalize
from yimen.core.models import SmsMessage, SmsStatus, SmsTemplate
from yimen.core.sms_transports import OutgoingSms, SmsRejected, configured

log = logging.getLogger(__name__)

PHONE_FIELD = "手机号码"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")

# The values each template's sender passes: an administrator's text may use these and no others.
ALLOWED_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "case.submitted": ("centre", "item", "number", "code"),
    "case.accepted": ("centre", "item", "number", "code", "due"),
    "case.supplement": ("centre", "item", "number", "materials", "due"),
    "case.concluded": ("centre", "item", "number", "result", "evaluate_url"),
    "case.delivered": ("centre", "item", "number", "method", "tracking"),
    "combined.concluded": ("centre", "service", "number", "result", "certificates", "verify_url"),
    "workorder.replied": ("centre", "number", "reply"),
    "supervision.digest": ("centre", "date", "red", "yellow", "units"),
    "identity.code": ("centre", "code", "minutes"),
    "exchange.dead": ("centre", "target", "count"),
}

_COUNTED = [SmsStatus.SENT, SmsStatus.DELIVERED]

# What a sealed phone in an "sms.send" payload is bound to (crypto.encrypt's context): it opens there only.
PAYLOAD_PHONE = "core.outboxmessage.sms.send.phone"


class SmsNotFound(ApplicationError):
    """A delivery report names an SMS this system never sent (HTTP 404)."""

    status = 404


def validate_phone(value: str) -> str:
    """An 11-digit mainland mobile number (1, then 3–9, then nine digits), returned without spaces."""
    phone = normalize(value)
    if not _MOBILE.match(phone):
        message = f"{PHONE_FIELD}格式不正确：应为11位中国大陆手机号码（以1开头，第二位为3至9）"
        raise ApplicationError(message, fields={"phone": [message]})
    return phone


def queue_sms(*, phone: str, template: str, context: dict[str, str], key: str) -> None:
    """Queue one SMS in the caller's transaction; `key` (e.g. "case:42:accepted") makes a repeat a no-op."""
    phone = validate_phone(phone)
    if template not in ALLOWED_PLACEHOLDERS:
        raise ValueError(f"unknown SMS template {template!r}; add it to notify.ALLOWED_PLACEHOLDERS")
    missing = [name for name in ALLOWED_PLACEHOLDERS[template] if name not in context]
    if missing:
        raise ValueError(f"SMS template {template!r} needs values for {', '.join(missing)}")
    events.emit_later(
        events.SMS_SEND,
        events.SmsQueued(
            phone=seal_payload_phone(phone),
            template=template,
            context={name: str(value) for name, value in context.items()},
            queued_at=timezone.now(),
        ),
        key=key,
    )


def seal_payload_phone(phone: str) -> str:
    """The phone as an "sms.send" payload carries it: sealed under the newest data key."""
    return crypto.encrypt(phone, PAYLOAD_PHONE)


def payload_phone(payload: events.SmsQueued) -> str:
    """The number an "sms.send" payload goes to. An event queued before the phone was sealed (by a
    process of the previous release) carries it plain and is still sent; a sealed one that does not open
    raises crypto.DecryptionError, so the outbox retries and then keeps it as a dead letter."""
    if crypto.key_id_of(payload.phone) is None:
        return payload.phone
    return crypto.decrypt(payload.phone, PAYLOAD_PHONE)


def stored_payload_phones(
    outbox: type[models.Model], batch_size: int = 1000
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """The "sms.send" events of the outbox (`outbox`: OutboxMessage, or a migration's) as (id, stored
    payload), in id order, `batch_size` at a time: the phones `reseal_payload_phones` and `yimen datakey
    check` read."""
    rows = outbox._base_manager.filter(name=events.SMS_SEND.name).order_by("pk")
    last = 0
    while batch := list(rows.filter(pk__gt=last).values_list("pk", "payload")[:batch_size]):
        yield batch
        last = batch[-1][0]


def reseal_payload_phones(outbox: type[models.Model], *, plain: bool = False, batch_size: int = 1000) -> int:
    """Seal the phone of every "sms.send" event in the outbox under the newest data key, delivered or not
    (the migration that sealed them, and `yimen datakey rotate`, so a key can be retired while an SMS
    waits); with `plain`, write every one out plain again (the migration's reverse, for the release
    before, which reads them plain). Returns the rows rewritten."""
    current, rewritten = crypto.keyring().current.id, 0
    payload_field = outbox._meta.get_field("payload")
    assert isinstance(payload_field, models.JSONField)
    for batch in stored_payload_phones(outbox, batch_size):
        rows = []
        for pk, payload in batch:
            stored = payload.get("phone", "")
            key_id = crypto.key_id_of(stored)
            if not stored or key_id == (None if plain else current):
                continue
            phone = stored if key_id is None else crypto.decrypt(stored, PAYLOAD_PHONE)
            changed = {**payload, "phone": phone if plain else seal_payload_phone(phone)}
            rows.append([payload_field.get_db_prep_save(changed, connection), pk])
        write_stored(outbox, [payload_field], rows)
        rewritten += len(rows)
    return rewritten


# --- Templates -------------------------------------------------------------------------------------


def _fields(body: str) -> list[tuple[str, str | None, str | None, str | None]]:
    return list(string.Formatter().parse(body))


def template_errors(*, code: str, body: str) -> dict[str, list[str]]:
    """Why a template could not be filled in for `code`, per field (code, body); {} when it can."""
    allowed = ALLOWED_PLACEHOLDERS.get(code)
    if allowed is None:
        return {
            "code": [f"模板编号 {code} 不是系统使用的短信模板（可用：{'、'.join(ALLOWED_PLACEHOLDERS)}）"]
        }
    try:
        fields = _fields(body)
    except ValueError:
        return {"body": ["短信内容的花括号不成对：占位符写作 {名称}，要显示花括号本身请写 {{ 或 }}"]}
    available = "、".join(f"{{{name}}}" for name in allowed)
    errors = []
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            written = (
                "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            )
            errors.append(f"短信内容中的 {written} 不是有效的占位符：应写作 {{名称}}，不带格式")
        elif name not in allowed:
            errors.append(f"短信内容中的占位符 {{{name}}} 不能用于模板 {code}（可用：{available}）")
    return {"body": errors} if errors else {}


def render(body: str, context: dict[str, str]) -> str:
    """Fill the {placeholders} of a template body; raises SmsRejected naming what cannot be filled."""
    try:
        fields = _fields(body)
    except ValueError as exc:
        raise SmsRejected("短信模板的花括号不成对") from exc
    missing = sorted({name for _, name, _, _ in fields if name is not None and name not in context})
    if missing:
        raise SmsRejected(f"短信模板中的占位符没有对应的值：{'、'.join(missing)}")
    return "".join(literal + (context[name] if name is not None else "") for literal, name, _, _ in fields)


def _text_for(code: str, context: dict[str, str]) -> str:
    template = SmsTemplate.objects.filter(code=code).first()
    if template is None:
        raise SmsRejected(f"短信模板 {code} 不存在")
    if not template.is_active:
        raise SmsRejected(f"短信模板 {code} 已停用，未发送")
    return render(template.body, context)


# --- Quota -----------------------------------------------------------------------------------------


def _month(at: datetime) -> tuple[datetime, datetime]:
    start = timezone.localtime(at).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, (start + timedelta(days=32)).replace(day=1)


def sent_in_month(phone: str, *, at: datetime) -> int:
    """SMS sent to `phone` in the calendar month (local time) of `at`: what the monthly quota counts,
    found by the phone's blind index (under every data key, so rows not yet rotated count too)."""
    start, end = _month(at)
    return SmsMessage.objects.filter(
        matching(SmsMessage, "phone", phone), created_at__gte=start, created_at__lt=end, status__in=_COUNTED
    ).count()


# --- Sending (the worker) --------------------------------------------------------------------------


def _new_message(key: str, payload: events.SmsQueued) -> SmsMessage:
    """The row for a first delivery: rendered and within quota (queued), or refused for good."""
    phone = payload_phone(payload)
    sms = SmsMessage(key=key, phone=phone, template=payload.template, created_at=payload.queued_at)
    try:
        sms.text = _text_for(sms.template, payload.context)
    except SmsRejected as exc:
        sms.status, sms.error = SmsStatus.FAILED, str(exc)
        return sms
    quota = int(settings.YIMEN["SMS_MONTHLY_QUOTA"])
    if sent_in_month(phone, at=payload.queued_at) >= quota:
        sms.status = SmsStatus.OVER_QUOTA
        sms.error = f"本月已向该号码发送 {quota} 条短信，达到每月限额，未发送"
        log.warning("短信 %s 超出每月限额（%s 条），未发送", key, quota)
    return sms


def _take(key: str, payload: events.SmsQueued) -> SmsMessage:
    """Create or lock the row for `key` and count one attempt if it is still to be sent."""
    with transaction.atomic():
        sms = SmsMessage.objects.select_for_update().filter(key=key).first()
        if sms is None:
            sms = _new_message(key, payload)
            sms.attempts = 1 if sms.status == SmsStatus.QUEUED else 0
            sms.save()
        elif sms.status == SmsStatus.QUEUED:
            sms.attempts += 1
            sms.save(update_fields=["attempts"])
    return sms


def send_queued(*, key: str, payload: events.SmsQueued) -> SmsMessage:
    """Send the SMS of one "sms.send" event, once. Raises when the channel fails, so the outbox retries."""
    sms = _take(key, payload)
    if sms.status != SmsStatus.QUEUED:
        return sms  # already sent, or refused for good: a redelivered event changes nothing
    fields = ["status", "channel", "error", "provider_id", "sent_at"]
    try:
        transport = configured()
        sms.channel = transport.name
        sms.provider_id = transport.send(OutgoingSms(sms.key, sms.phone, sms.template, sms.text))
    except SmsRejected as exc:
        sms.status, sms.error = SmsStatus.FAILED, str(exc)
        sms.save(update_fields=fields)
        return sms
    except Exception as exc:
        sms.error = f"第 {sms.attempts} 次发送失败：{exc}"[:2000]
        sms.save(update_fields=fields)
        raise
    sms.status, sms.error, sms.sent_at = SmsStatus.SENT, "", timezone.now()
    sms.save(update_fields=fields)
    return sms


# --- Delivery reports ------------------------------------------------------------------------------


@transaction.atomic
def record_delivery(
    *, provider_id: str, delivered: bool, error: str = "", at: datetime | None = None
) -> SmsMessage:
    """The gateway reports an SMS reached the phone, or finally did not; a repeated report changes nothing."""
    sms = (
        SmsMessage.objects.select_for_update()
        .filter(provider_id=provider_id)
        .exclude(provider_id="")
        .order_by("-created_at")
        .first()
    )
    if sms is None:
        message = f"短信编号 {provider_id} 不存在"
        raise SmsNotFound(message, fields={"id": [message]})
    if sms.status == SmsStatus.DELIVERED:
        return sms
    if delivered:
        sms.status, sms.delivered_at, sms.error = SmsStatus.DELIVERED, at or timezone.now(), ""
    else:
        sms.status, sms.error = SmsStatus.FAILED, error or "短信网关报告未能送达"
    sms.save(update_fields=["status", "delivered_at", "error"])
    return sms
