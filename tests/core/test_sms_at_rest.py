"""The phone an SMS goes to is not stored in clear (GB/T 22239-2019 8.1.4.8): the "sms.send" event in the
outbox carries it sealed and the SMS log seals it with a blind index, yet the monthly quota still counts
per number, an event queued plain by the previous release is still sent once, the admin finds a message
by the whole number, and the upgrade's migration seals the rows already there."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings
from django.utils import timezone

from yimen.core import crypto, events, notify
from yimen.core.fields import matching
from yimen.core.models import OutboxMessage, OutboxStatus, SmsMessage, SmsStatus
from yimen.core.sms_transports import OutgoingSms

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
OTHER = "13987654321"
KEY_1 = "1:" + "11" * 32
KEY_2 = "2:" + "22" * 32
CONTEXT = {"centre": "咸宁市政务服务中心", "number": "SJJ-2026-000042", "reply": "已整改。"}


@dataclass
class Recorder:
    """A channel that keeps what it was handed: every call to send is one SMS reaching a phone."""

    name: str = "recorder"
    sent: list[OutgoingSms] = field(default_factory=list)

    def send(self, sms: OutgoingSms) -> str:
        self.sent.append(sms)
        return f"rec-{len(self.sent)}"


@pytest.fixture
def channel(monkeypatch) -> Iterator[Recorder]:
    recorder = Recorder()
    monkeypatch.setattr(notify, "configured", lambda: recorder)
    yield recorder


def _queue(key: str, phone: str = PHONE) -> None:
    notify.queue_sms(phone=phone, template="workorder.replied", context=CONTEXT, key=key)


def _column(table: str, column: str) -> list[str]:
    """A column as the database holds it, read as text with raw SQL (no field decodes it)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT CAST({quote(column)} AS TEXT) FROM {quote(table)}")
        return [row[0] for row in cursor.fetchall()]


def _with_keys(text: str, **yimen: Any) -> override_settings:
    return override_settings(YIMEN={**settings.YIMEN, "DATA_KEY": text, "DATA_KEY_FILE": "", **yimen})


def test_neither_the_outbox_nor_the_sms_log_holds_the_phone_in_clear(channel: Recorder) -> None:
    _queue("workorder:1:replied", phone=" 138 1234 5678 ")
    [payload] = _column("core_outboxmessage", "payload")
    assert PHONE not in payload and '"phone": "sm4:' in payload.replace('":"', '": "')

    assert events.run_once() == (1, 0)

    assert [sms.phone for sms in channel.sent] == [PHONE]  # the channel is handed the real number
    stored = _column("core_outboxmessage", "payload") + _column("core_smsmessage", "phone")
    stored += _column("core_smsmessage", "phone_index")
    assert len(stored) == 3 and not any(PHONE in value for value in stored)
    assert _column("core_smsmessage", "phone")[0].startswith("sm4:")
    sms = SmsMessage.objects.get()
    assert (sms.phone, sms.status, str(sms)) == (
        PHONE,
        SmsStatus.SENT,
        "138****5678 workorder.replied [已发送]",
    )


def test_the_monthly_quota_counts_each_number_apart_through_its_blind_index(
    channel: Recorder, settings
) -> None:
    settings.YIMEN = {**settings.YIMEN, "SMS_MONTHLY_QUOTA": 2}
    for n in range(3):
        _queue(f"mine:{n}")
    for n in range(2):
        _queue(f"other:{n}", phone=OTHER)
    events.run_once()

    statuses = dict(SmsMessage.objects.values_list("key", "status"))
    assert statuses == {
        "mine:0": SmsStatus.SENT,
        "mine:1": SmsStatus.SENT,
        "mine:2": SmsStatus.OVER_QUOTA,
        "other:0": SmsStatus.SENT,
        "other:1": SmsStatus.SENT,
    }
    assert sorted(sms.phone for sms in channel.sent) == [PHONE, PHONE, OTHER, OTHER]
    now = timezone.now()
    assert (notify.sent_in_month(PHONE, at=now), notify.sent_in_month(" 139 8765 4321", at=now)) == (2, 2)
    assert notify.sent_in_month("13700000000", at=now) == 0


def test_the_quota_counts_the_rows_sealed_under_the_previous_key_during_a_rotation(channel: Recorder) -> None:
    with _with_keys(KEY_1, SMS_MONTHLY_QUOTA=2):
        for n in range(2):
            _queue(f"mine:{n}")
        events.run_once()
    with _with_keys(f"{KEY_1},{KEY_2}", SMS_MONTHLY_QUOTA=2):
        _queue("mine:2")
        events.run_once()
        assert SmsMessage.objects.get(key="mine:2").status == SmsStatus.OVER_QUOTA
        assert sorted(crypto.key_id_of(p) for p in _column("core_smsmessage", "phone")) == [1, 1, 2]
    assert len(channel.sent) == 2


def test_an_sms_queued_with_a_plain_phone_before_the_upgrade_is_still_sent_exactly_once(
    channel: Recorder,
) -> None:
    legacy = events.SmsQueued(
        phone=PHONE, template="workorder.replied", context=CONTEXT, queued_at=timezone.now()
    )
    events.emit(events.SMS_SEND, legacy, key="workorder:7:replied")
    assert PHONE in _column("core_outboxmessage", "payload")[0]  # as the previous release wrote it

    [message] = events.claim()
    assert events.deliver(message)
    assert events.deliver(message)  # redelivered: the worker died before acknowledging
    assert events.run_once() == (0, 0)

    assert [(sms.key, sms.phone) for sms in channel.sent] == [("workorder:7:replied", PHONE)]
    assert OutboxMessage.objects.get().status == OutboxStatus.DONE
    assert SmsMessage.objects.get(matching(SmsMessage, "phone", PHONE)).attempts == 1
    assert not any(PHONE in value for value in _column("core_smsmessage", "phone"))


def test_a_sealed_phone_that_does_not_open_is_never_sent_and_the_event_is_kept(channel: Recorder) -> None:
    _queue("workorder:8:replied")
    message = OutboxMessage.objects.get()
    prefix, body = message.payload["phone"].rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[-1] ^= 0x01
    message.payload["phone"] = f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"
    message.save(update_fields=["payload"])

    assert events.run_once() == (0, 1)

    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and "InvalidTag" in message.last_error
    assert notify.PAYLOAD_PHONE in message.last_error and PHONE not in message.last_error
    assert channel.sent == [] and not SmsMessage.objects.exists()


def _sign_in_administrator(client: Client, cast: Any) -> None:
    cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)


def test_the_admin_finds_an_sms_by_the_whole_phone_number_only(
    client: Client, cast, channel: Recorder
) -> None:
    _queue("workorder:1:replied")
    _queue("workorder:2:replied", phone=OTHER)
    events.run_once()
    _sign_in_administrator(client, cast)

    def found(q: str) -> tuple[bool, bool]:
        page = client.get("/admin/core/smsmessage/", {"q": q})
        assert page.status_code == 200
        text = page.content.decode()
        return "138****5678" in text, "139****4321" in text

    assert found(PHONE) == (True, False)
    assert found(" 139 8765 4321 ") == (False, True)
    assert found("workorder:1:replied") == (True, False)  # the key still finds it
    assert found("1381234") == (False, False)  # a part of a sealed number finds nothing
    assert "只能按完整号码查找" in client.get("/admin/core/smsmessage/").content.decode()


# --- The upgrade ---------------------------------------------------------------------------------

BEFORE = [("core", "0012_budget_spent")]
AFTER = [("core", "0013_sealed_sms_phone")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate core to `targets`; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_the_latest() -> Iterator[None]:
    """The database ends at every app's latest migration (later ones than 0013 too, such as core 0014's
    SMS codes), whatever the test did: the tests after it, live servers included, need every table."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_the_rows_already_there_and_its_reverse_writes_them_out(
    back_to_the_latest: None,
) -> None:
    old = _migrate(BEFORE)
    try:
        old.get_model("core", "SmsMessage").objects.create(
            key="workorder:1:replied", phone=PHONE, template="workorder.replied", status=SmsStatus.SENT
        )
        payload = {
            "phone": OTHER,
            "template": "workorder.replied",
            "context": CONTEXT,
            "queued_at": "2026-12-01T09:00:00+08:00",
        }
        old.get_model("core", "OutboxMessage").objects.create(
            key="workorder:2:replied", name="sms.send", payload=payload
        )
        old.get_model("core", "OutboxMessage").objects.create(
            key="calendar:1", name="calendar.changed", payload={"phone": PHONE}
        )
        assert _column("core_smsmessage", "phone") == [PHONE]
    finally:
        _migrate(AFTER)

    [stored] = _column("core_smsmessage", "phone")
    assert stored.startswith("sm4:") and PHONE not in stored
    sms = SmsMessage.objects.get(matching(SmsMessage, "phone", PHONE))
    assert sms.phone == PHONE and notify.sent_in_month(PHONE, at=sms.created_at) == 1
    queued = OutboxMessage.objects.get(key="workorder:2:replied")
    assert OTHER not in str(queued.payload)
    assert notify.payload_phone(events.SMS_SEND.load(queued.payload)) == OTHER
    assert {**queued.payload, "phone": OTHER} == payload  # nothing else in the event changed
    assert OutboxMessage.objects.get(key="calendar:1").payload == {"phone": PHONE}  # other events alone

    _migrate(BEFORE)
    try:
        assert _column("core_smsmessage", "phone") == [PHONE]
        assert OutboxMessage.objects.get(key="workorder:2:replied").payload == payload
    finally:
        _migrate(AFTER)


def test_a_rotation_reseals_the_phone_of_a_waiting_sms_so_the_old_key_can_be_retired(
    channel: Recorder,
) -> None:
    with _with_keys(KEY_1):
        _queue("workorder:9:replied")
    with _with_keys(f"{KEY_1},{KEY_2}"):
        out = StringIO()
        call_command("datakey", "rotate", stdout=out)
        assert "core.outboxmessage（sms.send 的手机号码）：重新加密 1 行" in out.getvalue()
        [payload] = _column("core_outboxmessage", "payload")
        assert '"sm4:2:' in payload.replace(": ", ":") and PHONE not in payload
        out = StringIO()
        call_command("datakey", "check", stdout=out)
        assert "core.outboxmessage（sms.send 的手机号码）：2 号密钥 1 个值" in out.getvalue()
    with _with_keys(KEY_2):  # the old key retired: the SMS still goes out
        assert events.run_once() == (1, 0)
    assert [sms.phone for sms in channel.sent] == [PHONE]
