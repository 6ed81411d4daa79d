"""SMS to applicants: queued with the change, sent once by the worker through a real HTTP gateway on
127.0.0.1, retried when the gateway fails, limited per phone per month, templates edited in the admin."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.core.sms_gateway import Gateway, running_gateway, signature
from yimen.core import events, notify
from yimen.core.errors import ApplicationError
from yimen.core.models import AuditEntry, OutboxMessage, OutboxStatus, SmsMessage, SmsStatus, SmsTemplate
from yimen.core.sms_transports import FileTransport, OutgoingSms

pytestmark = pytest.mark.django_db

SECRET = "网关密钥-test-2026"
PHONE = "13812345678"
ACCEPTED = {
    "centre": "咸宁市政务服务中心",
    "item": "食品经营许可",
    "number": "SJJ-2026-000042",
    "code": "7KQ2M9",
    "due": "2026年12月10日",
}
ACCEPTED_TEXT = (
    "【咸宁市政务服务中心】您申请的食品经营许可已受理，办件编号SJJ-2026-000042，"
    "查询码7KQ2M9，承诺2026年12月10日前办结。"
)


def _queue(key: str = "case:42:accepted", phone: str = PHONE) -> None:
    notify.queue_sms(phone=phone, template="case.accepted", context=ACCEPTED, key=key)


def _sms(key: str = "case:42:accepted") -> SmsMessage:
    return SmsMessage.objects.get(key=key)


@pytest.fixture
def gateway(settings) -> Iterator[Gateway]:
    with running_gateway(SECRET) as gw:
        settings.YIMEN = {
            **settings.YIMEN,
            "SMS_TRANSPORT": "http",
            "SMS_GATEWAY_URL": gw.url,
            "SMS_GATEWAY_SECRET": SECRET,
        }
        yield gw


# --- Sending ---------------------------------------------------------------------------------------


def test_nothing_is_sent_until_the_worker_runs_then_one_signed_request_carries_the_text(gateway) -> None:
    _queue()
    assert OutboxMessage.objects.get(key="case:42:accepted").name == "sms.send"
    assert gateway.requests == [] and not SmsMessage.objects.exists()

    events.run_once()

    assert gateway.bad_signatures == 0
    assert gateway.requests == [
        {
            "key": "case:42:accepted",
            "msgid": "case:42:accepted",
            "phone": PHONE,
            "text": ACCEPTED_TEXT,
            "template": "case.accepted",
        }
    ]
    assert gateway.keys == [("case:42:accepted", "case:42:accepted")]  # Idempotency-Key header, msgid
    sms = _sms()
    assert (sms.status, sms.provider_id, sms.channel, sms.attempts) == (SmsStatus.SENT, "gw-1", "http", 1)
    assert sms.text == ACCEPTED_TEXT and sms.sent_at is not None


def test_a_gateway_error_is_retried_with_backoff_and_the_sms_sent_once(gateway) -> None:
    gateway.answers = [500]
    _queue()
    now = timezone.now()

    events.run_once(now=now)
    sms = _sms()
    assert sms.status == SmsStatus.QUEUED and sms.attempts == 1
    assert "HTTP 500" in sms.error
    assert OutboxMessage.objects.get(key="case:42:accepted").status == OutboxStatus.PENDING

    events.run_once(now=now + timedelta(minutes=1))
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.provider_id, sms.error) == (SmsStatus.SENT, 2, "gw-1", "")
    assert [r["key"] for r in gateway.requests] == ["case:42:accepted"] * 2
    assert len(gateway.accepted) == 1


def test_a_redelivered_event_sends_the_sms_only_once(gateway) -> None:
    _queue()
    [message] = events.claim()
    assert events.deliver(message)
    assert events.deliver(message)  # the worker died before acknowledging; the lease ran out
    assert len(gateway.requests) == 1
    assert _sms().attempts == 1


def test_a_send_retried_after_the_gateway_took_it_carries_the_same_key_and_reaches_the_phone_once(
    gateway, settings
) -> None:
    settings.YIMEN = {**settings.YIMEN, "SMS_GATEWAY_TIMEOUT_SECONDS": 0.2}
    gateway.hold_answers = 1  # the gateway takes the SMS, its answer is lost (the worker times out)
    _queue()
    now = timezone.now()
    events.run_once(now=now)
    assert _sms().status == SmsStatus.QUEUED and "无响应" in _sms().error
    assert len(gateway.accepted) == 1

    gateway.release.set()
    events.run_once(now=now + timedelta(minutes=1))

    assert gateway.keys == [("case:42:accepted", "case:42:accepted")] * 2
    assert len(gateway.accepted) == 1 and gateway.repeats == 1
    sms = _sms()
    assert (sms.status, sms.provider_id, sms.attempts) == (SmsStatus.SENT, "gw-1", 2)


def test_a_worker_that_died_before_recording_the_send_sends_again_under_the_same_key(gateway) -> None:
    _queue()
    events.run_once()
    # What a worker killed between the gateway's answer and the row's update leaves: a row still to send
    # and a message whose lease runs out.
    SmsMessage.objects.filter(key="case:42:accepted").update(status=SmsStatus.QUEUED, provider_id="")
    message = OutboxMessage.objects.get(key="case:42:accepted")
    assert events.deliver(events.Message(message.id, message.name, message.payload, message.key, 2))

    assert gateway.keys == [("case:42:accepted", "case:42:accepted")] * 2
    assert len(gateway.accepted) == 1 and gateway.repeats == 1
    assert (_sms().status, _sms().provider_id) == (SmsStatus.SENT, "gw-1")


def test_a_key_that_cannot_travel_in_a_header_is_sent_as_a_stable_digest(gateway) -> None:
    _queue(key="办件:42:受理")
    events.run_once()
    [(header, msgid)] = gateway.keys
    assert header == msgid and header.startswith("sha256-") and len(header) == 47
    assert OutgoingSms("办件:42:受理", PHONE, "case.accepted", "x").idempotency_key == header


def test_a_gateway_refusal_fails_the_sms_and_is_not_retried(gateway) -> None:
    gateway.answers = [400]
    _queue()
    now = timezone.now()
    events.run_once(now=now)
    sms = _sms()
    assert sms.status == SmsStatus.FAILED and "HTTP 400" in sms.error and "空号" in sms.error
    assert OutboxMessage.objects.get(key="case:42:accepted").status == OutboxStatus.DONE
    events.run_once(now=now + timedelta(hours=1))
    assert len(gateway.requests) == 1


def test_the_gateway_rejects_a_request_signed_with_another_secret(gateway, settings) -> None:
    settings.YIMEN = {**settings.YIMEN, "SMS_GATEWAY_SECRET": "别的密钥"}
    _queue()
    events.run_once()
    assert gateway.bad_signatures == 1 and gateway.requests == []
    assert _sms().status == SmsStatus.FAILED and "HTTP 401" in _sms().error


def test_a_slow_gateway_times_out_and_the_sms_waits_for_a_retry(gateway, settings) -> None:
    settings.YIMEN = {**settings.YIMEN, "SMS_GATEWAY_TIMEOUT_SECONDS": 0.1}
    gateway.delay = 0.5
    _queue()
    events.run_once()
    sms = _sms()
    assert sms.status == SmsStatus.QUEUED and "无响应" in sms.error
    assert OutboxMessage.objects.get(key="case:42:accepted").status == OutboxStatus.PENDING


def test_an_unreachable_gateway_loses_nothing_the_dead_letter_is_sent_after_the_fix(
    gateway, settings
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.YIMEN = {
        **settings.YIMEN,
        "SMS_GATEWAY_URL": f"http://127.0.0.1:{closed_port}/sms/send",
        "OUTBOX_MAX_ATTEMPTS": 2,
    }
    _queue()
    now = timezone.now()
    events.run_once(now=now)
    events.run_once(now=now + timedelta(hours=1))
    assert OutboxMessage.objects.get(key="case:42:accepted").status == OutboxStatus.DEAD
    assert _sms().status == SmsStatus.QUEUED and _sms().attempts == 2

    settings.YIMEN = {**settings.YIMEN, "SMS_GATEWAY_URL": gateway.url}
    events.requeue_dead()
    events.run_once(now=now + timedelta(hours=2))
    assert _sms().status == SmsStatus.SENT and _sms().attempts == 3
    assert [r["text"] for r in gateway.accepted] == [ACCEPTED_TEXT]


# --- Quota, phone numbers, templates ---------------------------------------------------------------


def _sent_before(count: int, *, at: Any) -> None:
    SmsMessage.objects.bulk_create(
        SmsMessage(
            key=f"old:{n}", phone=PHONE, template="case.accepted", status=SmsStatus.SENT, created_at=at
        )
        for n in range(count)
    )


def test_the_51st_sms_in_a_month_is_over_quota_and_next_month_is_allowed_again(gateway) -> None:
    now = timezone.localtime()
    _sent_before(50, at=now)
    _queue("case:51:accepted")
    _queue("case:51:other-phone", phone="13912345678")
    events.run_once()
    over = _sms("case:51:accepted")
    assert over.status == SmsStatus.OVER_QUOTA and "每月限额" in over.error
    assert OutboxMessage.objects.get(key="case:51:accepted").status == OutboxStatus.DONE  # no retry
    assert [r["phone"] for r in gateway.requests] == ["13912345678"]

    # The 50 were sent last month: this month starts afresh.
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    SmsMessage.objects.filter(key__startswith="old:").update(created_at=month_start - timedelta(seconds=1))
    _queue("case:52:accepted")
    events.run_once()
    assert _sms("case:52:accepted").status == SmsStatus.SENT
    assert notify.sent_in_month(PHONE, at=month_start - timedelta(days=3)) == 50


@pytest.mark.parametrize("phone", ["1381234567", "12812345678", "138123456789", "0715-8126517", ""])
def test_a_bad_phone_number_is_refused_in_chinese_and_nothing_is_queued(phone: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        _queue(phone=phone)
    assert "手机号码格式不正确" in refused.value.message
    assert refused.value.fields == {"phone": [refused.value.message]}
    assert not OutboxMessage.objects.exists()


def test_a_phone_with_spaces_is_queued_normalised() -> None:
    _queue(phone=" 138 1234 5678 ")
    payload = events.SMS_SEND.load(OutboxMessage.objects.get().payload)
    assert notify.payload_phone(payload) == PHONE


def test_a_template_missing_a_value_fails_once_instead_of_retrying_forever() -> None:
    SmsTemplate.objects.filter(code="case.accepted").update(body="【{centre}】收费{fee}元")
    _queue()
    events.run_once()
    sms = _sms()
    assert sms.status == SmsStatus.FAILED and sms.error == "短信模板中的占位符没有对应的值：fee"
    assert OutboxMessage.objects.get(key="case:42:accepted").status == OutboxStatus.DONE


def test_a_switched_off_template_sends_nothing() -> None:
    SmsTemplate.objects.filter(code="case.accepted").update(is_active=False)
    _queue()
    events.run_once()
    assert _sms().status == SmsStatus.FAILED and "已停用" in _sms().error


@pytest.mark.parametrize(
    ("template", "context", "text"),
    [
        (
            "case.supplement",
            {"materials": "营业执照副本；法定代表人身份证复印件", "due": "2026年12月3日"},
            "【咸宁市政务服务中心】您申请的食品经营许可（办件编号SJJ-2026-000042）材料不全，"
            "请于2026年12月3日前补齐以下材料：营业执照副本；法定代表人身份证复印件。",
        ),
        (
            "case.concluded",
            {"result": "准予许可", "evaluate_url": "https://zwfw.example.cn/e/7KQ2M9"},
            "【咸宁市政务服务中心】您申请的食品经营许可（办件编号SJJ-2026-000042）已办结（准予许可）。"
            "欢迎评价本次服务，评价链接https://zwfw.example.cn/e/7KQ2M9",
        ),
        (
            "case.delivered",
            {"method": "邮政EMS", "tracking": "，运单号1187654321098"},
            "【咸宁市政务服务中心】您申请的食品经营许可（办件编号SJJ-2026-000042）的办理结果已送达"
            "（邮政EMS，运单号1187654321098）。",
        ),
    ],
)
def test_the_default_templates_read_as_the_applicant_receives_them(template, context, text) -> None:
    base = {"centre": ACCEPTED["centre"], "item": ACCEPTED["item"], "number": ACCEPTED["number"]}
    notify.queue_sms(phone=PHONE, template=template, context=base | context, key=f"case:42:{template}")
    events.run_once()
    assert _sms(f"case:42:{template}").text == text


def test_a_sender_that_forgets_a_value_is_stopped_before_anything_is_queued() -> None:
    with pytest.raises(ValueError, match="needs values for code, due"):
        notify.queue_sms(
            phone=PHONE, template="case.accepted", context={"centre": "", "item": "", "number": ""}, key="k"
        )
    assert not OutboxMessage.objects.exists()


def _sign_in_administrator(client: Client, cast) -> None:
    cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)


def _edit_template(client: Client, cast, body: str):
    _sign_in_administrator(client, cast)
    template = SmsTemplate.objects.get(code="case.accepted")
    return client.post(
        f"/admin/core/smstemplate/{template.pk}/change/",
        {"name": template.name, "body": body, "is_active": "on"},
    )


def test_an_administrator_edits_a_template_and_the_next_sms_uses_it(client: Client, cast) -> None:
    response = _edit_template(client, cast, "【{centre}】{item}已受理。编号{number}，查询码{code}。")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="core.smstemplate.changed")
    assert entry.actor_label == "周管理" and "已受理。编号" in entry.summary["after"]["body"]

    _queue()
    events.run_once()
    assert _sms().text == "【咸宁市政务服务中心】食品经营许可已受理。编号SJJ-2026-000042，查询码7KQ2M9。"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            "【{centre}】收费{fee}元",
            "短信内容中的占位符 {fee} 不能用于模板 case.accepted（可用：{centre}、{item}",
        ),
        ("【{centre}】受理{0}", "短信内容中的 {0} 不是有效的占位符"),
        ("【{centre】已受理", "短信内容的花括号不成对"),
    ],
)
def test_a_template_the_system_cannot_fill_is_refused_in_chinese(client: Client, cast, body, error) -> None:
    response = _edit_template(client, cast, body)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert SmsTemplate.objects.get(code="case.accepted").body.startswith("【{centre}】您申请的")


def test_a_template_for_a_kind_of_sms_the_system_never_sends_is_refused(client: Client, cast) -> None:
    _sign_in_administrator(client, cast)
    response = client.post(
        "/admin/core/smstemplate/add/", {"code": "case.lottery", "name": "中奖通知", "body": "恭喜"}
    )
    assert response.status_code == 200
    assert "模板编号 case.lottery 不是系统使用的短信模板" in response.content.decode()
    assert not SmsTemplate.objects.filter(code="case.lottery").exists()


def test_the_sms_log_in_the_admin_shows_phones_masked(client: Client, cast, gateway) -> None:
    _queue()
    events.run_once()
    _sign_in_administrator(client, cast)
    page = client.get("/admin/core/smsmessage/").content.decode()
    assert "138****5678" in page and PHONE not in page
    assert client.get(f"/admin/core/smsmessage/{_sms().pk}/change/").status_code == 200


# --- Delivery reports ------------------------------------------------------------------------------


def _report(client: Client, payload: dict[str, str], *, secret: str = SECRET, age: int = 0, **headers: str):
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()) - age)
    return client.post(
        "/api/v1/sms/status",
        body,
        content_type="application/json",
        headers={
            "X-Yimen-Timestamp": timestamp,
            "X-Yimen-Signature": signature(secret, timestamp, body),
            **headers,
        },
    )


@pytest.fixture
def sent(gateway) -> SmsMessage:
    _queue()
    events.run_once()
    return _sms()


def test_a_signed_delivery_report_marks_the_sms_delivered(client: Client, sent: SmsMessage) -> None:
    response = _report(client, {"id": "gw-1", "status": "delivered", "error": ""})
    assert response.status_code == 200
    assert response.json() == {"id": "gw-1", "status": "delivered"}
    sent.refresh_from_db()
    assert sent.status == SmsStatus.DELIVERED and sent.delivered_at is not None
    assert sent.get_status_display() == "已送达"


def test_a_failed_delivery_report_records_the_reason(client: Client, sent: SmsMessage) -> None:
    assert _report(client, {"id": "gw-1", "status": "failed", "error": "用户关机"}).status_code == 200
    sent.refresh_from_db()
    assert (sent.status, sent.error) == (SmsStatus.FAILED, "用户关机")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"secret": "伪造的密钥"}, "送达回执的签名不正确，已拒绝"),
        ({"age": 301}, "送达回执的时间戳与本机时间相差超过5分钟，已拒绝"),
        ({"X-Yimen-Signature": ""}, "送达回执缺少签名或时间戳"),
    ],
)
def test_a_delivery_report_that_is_not_signed_now_by_the_gateway_is_refused(
    client: Client, sent: SmsMessage, kwargs: dict[str, Any], message: str
) -> None:
    response = _report(client, {"id": "gw-1", "status": "delivered"}, **kwargs)
    assert response.status_code == 403
    assert message in response.json()["message"]
    sent.refresh_from_db()
    assert sent.status == SmsStatus.SENT


def test_a_delivery_report_for_an_unknown_sms_is_404(client: Client, sent: SmsMessage) -> None:
    response = _report(client, {"id": "gw-999", "status": "delivered"})
    assert response.status_code == 404
    assert response.json()["message"] == "短信编号 gw-999 不存在"


# --- Console and file channels ---------------------------------------------------------------------


def test_the_console_channel_logs_the_text_with_the_phone_masked(caplog) -> None:
    caplog.set_level(logging.INFO, logger="yimen.core.sms_transports")
    _queue()
    events.run_once()
    assert ACCEPTED_TEXT in caplog.text and "138****5678" in caplog.text and PHONE not in caplog.text
    assert (_sms().status, _sms().channel) == (SmsStatus.SENT, "console")


def test_the_file_channel_appends_one_json_line_per_sms(settings, tmp_path: Path) -> None:
    path = tmp_path / "out" / "sms.log"
    settings.YIMEN = {**settings.YIMEN, "SMS_TRANSPORT": "file", "SMS_FILE_PATH": str(path)}
    _queue()
    _queue("case:43:accepted", phone="13912345678")
    events.run_once()
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(line["key"], line["phone"], line["text"]) for line in lines] == [
        ("case:42:accepted", PHONE, ACCEPTED_TEXT),
        ("case:43:accepted", "13912345678", ACCEPTED_TEXT),
    ]


def test_the_file_channel_written_twice_keeps_one_line(tmp_path: Path) -> None:
    path = tmp_path / "sms.log"
    sms = OutgoingSms("case:42:accepted", PHONE, "case.accepted", ACCEPTED_TEXT)
    FileTransport(path).send(sms)
    FileTransport(path).send(sms)
    assert [json.loads(line)["key"] for line in path.read_text(encoding="utf-8").splitlines()] == [
        "case:42:accepted"
    ]


def test_a_redelivered_sms_after_a_worker_died_keeps_one_line_in_the_file(settings, tmp_path: Path) -> None:
    path = tmp_path / "sms.log"
    settings.YIMEN = {**settings.YIMEN, "SMS_TRANSPORT": "file", "SMS_FILE_PATH": str(path)}
    _queue()
    events.run_once()
    SmsMessage.objects.filter(key="case:42:accepted").update(status=SmsStatus.QUEUED)
    message = OutboxMessage.objects.get(key="case:42:accepted")
    assert events.deliver(events.Message(message.id, message.name, message.payload, message.key, 2))
    assert _sms().status == SmsStatus.SENT
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1


def test_the_file_channel_sees_keys_another_process_wrote_and_a_line_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "sms.log"
    channel = FileTransport(path)
    channel.send(OutgoingSms("k1", PHONE, "case.accepted", "一"))
    with path.open("a", encoding="utf-8") as other:  # another worker, then one killed mid-line
        other.write(json.dumps({"key": "k2", "phone": PHONE, "text": "二"}) + "\n")
        other.write('{"key": "k3", "pho')
    channel.send(OutgoingSms("k2", PHONE, "case.accepted", "二"))
    channel.send(OutgoingSms("k3", PHONE, "case.accepted", "三"))
    channel.send(OutgoingSms("k3", PHONE, "case.accepted", "三"))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[2] == '{"key": "k3", "pho'
    assert [json.loads(line)["key"] for line in lines[:2] + lines[3:]] == ["k1", "k2", "k3"]
