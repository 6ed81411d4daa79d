"""HTTP JSON pushes (Standard Webhooks) to a real receiver on 127.0.0.1: signed, answered, retried,
refused, disabled, dead-lettered; and the signatures themselves."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import urllib3
from django.utils import timezone

from tests.cases.conftest import COMPANY, file
from tests.exchange.conftest import CASE_KINDS, make_target, work_off
from tests.exchange.receiver import (
    SECRET,
    Receiver,
    receiver_fixture,  # noqa: F401  (the `receiver` fixture)
    running_receiver,
)
from yimen.cases.services import steps
from yimen.cases.services.privacy import correct_applicant
from yimen.core.models import AuditEntry, SmsMessage
from yimen.exchange import push
from yimen.exchange.models import Delivery, Kind, Record, Status, Target
from yimen.exchange.signatures import SignatureError, sign, verify
from yimen.exchange.transports import http
from yimen.exchange.transports.http import body_of, remark_of, retry_after

# --- signatures --------------------------------------------------------------------------------------

# The test vector published with the Standard Webhooks specification (and used by its libraries' tests).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID, VECTOR_TS, VECTOR_BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
NEW_SECRET = "whsec_" + base64.b64encode(b"the rotated-in secret, 32 bytes!").decode()


def _headers(signature: str, ts: int = VECTOR_TS, msg_id: str = VECTOR_ID) -> dict[str, str]:
    return {"Webhook-Id": msg_id, "Webhook-Timestamp": str(ts), "Webhook-Signature": signature}


def test_signing_reproduces_the_standard_webhooks_test_vector() -> None:
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIGNATURE
    headers = _headers(VECTOR_SIGNATURE)
    assert verify(VECTOR_SECRET, headers, VECTOR_BODY.encode(), now=VECTOR_TS + 10) == VECTOR_ID


def test_a_raw_secret_is_used_as_its_bytes() -> None:
    expected = hmac.new("口令-raw".encode(), b"m1.1700000000.{}", hashlib.sha256).digest()
    assert sign("口令-raw", "m1", 1700000000, "{}") == "v1," + base64.b64encode(expected).decode()


def test_hmac_sm3_is_signed_under_its_own_label_and_checked_only_when_asked() -> None:
    header = sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY, "hmac-sm3")
    key = base64.b64decode(VECTOR_SECRET.removeprefix("whsec_"))
    content = f"{VECTOR_ID}.{VECTOR_TS}.{VECTOR_BODY}".encode()
    assert header == "v1-sm3," + base64.b64encode(hmac.new(key, content, "sm3").digest()).decode()
    body = VECTOR_BODY.encode()
    assert verify(VECTOR_SECRET, _headers(header), body, scheme="hmac-sm3", now=VECTOR_TS) == VECTOR_ID
    with pytest.raises(SignatureError, match="webhook-signature：缺少 v1-sm3 签名"):
        verify(VECTOR_SECRET, _headers(VECTOR_SIGNATURE), body, scheme="hmac-sm3", now=VECTOR_TS)
    with pytest.raises(SignatureError, match="缺少 v1 签名"):
        verify(VECTOR_SECRET, _headers(header), body, scheme="hmac-sha256", now=VECTOR_TS)


def test_a_tampered_body_or_another_secret_does_not_verify() -> None:
    with pytest.raises(SignatureError, match="webhook-signature：签名不符"):
        verify(VECTOR_SECRET, _headers(VECTOR_SIGNATURE), b'{"test": 2432232315}', now=VECTOR_TS)
    with pytest.raises(SignatureError, match="签名不符"):
        verify(NEW_SECRET, _headers(VECTOR_SIGNATURE), VECTOR_BODY.encode(), now=VECTOR_TS)
    with pytest.raises(SignatureError, match="签名不符"):  # the id is signed too
        verify(VECTOR_SECRET, _headers(VECTOR_SIGNATURE, msg_id="msg_other"), VECTOR_BODY, now=VECTOR_TS)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"webhook-timestamp": "1614265330", "webhook-signature": VECTOR_SIGNATURE}, "webhook-id：缺少"),
        (_headers(VECTOR_SIGNATURE, ts=VECTOR_TS - 301), "webhook-timestamp：与本机时间相差 301 秒"),
        (_headers(VECTOR_SIGNATURE, ts=VECTOR_TS + 400), "超过允许的 300 秒"),
        ({**_headers(VECTOR_SIGNATURE), "Webhook-Timestamp": "2021-02-25"}, "webhook-timestamp：应为"),
        (_headers("v1a,abc"), "webhook-signature：缺少"),
    ],
)
def test_a_request_without_a_fresh_signed_id_is_refused(headers: dict[str, str], message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TS)


def test_while_a_secret_is_rotated_each_request_carries_a_signature_per_secret() -> None:
    header = sign(f"{VECTOR_SECRET} {NEW_SECRET}", VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    old, new = header.split(" ")
    assert old == VECTOR_SIGNATURE and new.startswith("v1,") and new != old
    for receiver_secret in (VECTOR_SECRET, NEW_SECRET):  # whichever the receiver holds, it verifies
        assert verify(receiver_secret, _headers(header), VECTOR_BODY, now=VECTOR_TS) == VECTOR_ID
    assert verify(NEW_SECRET, _headers(new), VECTOR_BODY, now=VECTOR_TS) == VECTOR_ID  # after the switch
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(SignatureError, match="签名不符"):
        verify(other, _headers(header), VECTOR_BODY, now=VECTOR_TS)


def test_a_whsec_secret_that_is_not_base64_is_refused() -> None:
    with pytest.raises(ValueError, match="密钥：whsec_ 之后应为 Base64"):
        sign("whsec_not base64!", "m", 1, "{}")


# --- the transport's small parts ---------------------------------------------------------------------


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = time.time()
    assert retry_after("120", now=now) == 120
    later = format_datetime(timezone.now() + timedelta(seconds=600), usegmt=True)
    assert 595 <= (retry_after(later, now=now) or 0) <= 601
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 0  # already past
    assert retry_after("9" * 12, now=now) == 86400  # more than a day is taken as a day
    assert retry_after("soon", now=now) is None and retry_after("", now=now) is None


def test_the_remark_is_the_targets_message_or_the_start_of_its_answer() -> None:
    assert remark_of('{"message": "证件号码校验位错误"}'.encode()) == "证件号码校验位错误"
    assert remark_of(b'{"error": "bad row_guid"}') == "bad row_guid"
    assert remark_of(b'{"error": {"code": 7}}') == '{"code": 7}'
    assert remark_of(("错" * 600).encode()) == "错" * 500


# --- pushes to the receiver --------------------------------------------------------------------------


@pytest.fixture
def http_target(db: None, receiver: Receiver) -> Target:
    return make_target(
        "department", kinds=[Kind.ACCEPT], transport="http", endpoint=receiver.url, secret=SECRET
    )


@pytest.fixture
def accepted(cast: Any, licence: Any) -> Any:
    """A case accepted at the window, its exchange rows written."""
    case = steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    return case


def _guid(case: Any, kind: str = Kind.ACCEPT) -> str:
    return Record.objects.get(group=f"case:{case.pk}", kind=kind).row_guid


def _delivery(target: Target, case: Any) -> Delivery:
    return Delivery.objects.filter(target=target, record__row_guid=_guid(case)).latest("id")


def test_a_row_reaches_the_receiver_signed_and_is_accepted(http_target, accepted, receiver):
    done = push.push(http_target)
    assert done.accepted == 1 and receiver.refused == []
    guid = _guid(accepted)
    message = receiver.rows[guid]
    assert (message["type"], message["operation"]) == ("up_pro_accept", "I")
    assert message["row"]["project_no"] == accepted.number and message["row"]["row_guid"] == guid
    assert message["row"]["applyer_name"] == COMPANY.name and message["row"]["cd_operation"] == "I"
    assert list(receiver.ids) == [f"{guid}.1"]
    delivery = _delivery(http_target, accepted)
    assert (delivery.status, delivery.attempts, delivery.accepted_at is not None) == (
        Status.ACCEPTED,
        1,
        True,
    )


def test_the_body_is_utf8_json_not_escaped(http_target, accepted) -> None:
    [claimed] = push.claim(http_target, now=timezone.now())
    body = body_of(push.outgoing(http_target, claimed))
    assert COMPANY.name.encode() in body and b"\\u" not in body
    assert set(json.loads(body)) == {"type", "operation", "row"}


def test_an_hmac_sm3_target_is_verified_by_a_receiver_that_takes_only_sm3(cast, licence) -> None:
    with running_receiver(SECRET, scheme="hmac-sm3") as sm3_receiver:
        target = make_target(
            "sm3", kinds=[Kind.ACCEPT], transport="http", endpoint=sm3_receiver.url, secret=SECRET,
            signature="hmac-sm3",
        )  # fmt: skip
        case = steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
        work_off()
        assert push.push(target).accepted == 1
        assert set(sm3_receiver.rows) == {_guid(case)} and sm3_receiver.refused == []


def test_the_receiver_refuses_a_tampered_body_and_an_old_timestamp(receiver) -> None:
    http = urllib3.PoolManager(retries=False)
    body = json.dumps({"type": "up_pro_accept", "operation": "I", "row": {"row_guid": "g1"}}).encode()
    now = int(time.time())

    def post(data: bytes, ts: int) -> urllib3.BaseHTTPResponse:
        headers = {
            "webhook-id": "g1.1",
            "webhook-timestamp": str(ts),
            "webhook-signature": sign(SECRET, "g1.1", ts, body),
        }
        return http.request("POST", receiver.url, body=data, headers=headers)  # fmt: skip

    tampered = post(body.replace(b"g1", b"g2"), now)
    assert tampered.status == 400 and "签名不符" in tampered.json()["message"]
    stale = post(body, now - 600)
    assert stale.status == 400 and "webhook-timestamp" in stale.json()["message"]
    assert receiver.rows == {} and len(receiver.refused) == 2
    assert post(body, now).status == 200 and set(receiver.rows) == {"g1"}


def test_a_422_rejects_the_row_with_the_receivers_message(http_target, accepted, receiver):
    receiver.tell(422, row_guid=_guid(accepted), message="applyer_page_code：统一社会信用代码校验位错误")
    assert push.push(http_target).rejected == 1
    delivery = _delivery(http_target, accepted)
    assert delivery.status == Status.REJECTED and delivery.rejected_at is not None
    assert (delivery.err_type, delivery.remark) == (
        "HTTP 422",
        "applyer_page_code：统一社会信用代码校验位错误",
    )
    assert receiver.rows == {}


def test_410_disables_the_target_and_keeps_its_rows_pending(http_target, accepted, receiver):
    receiver.tell(410)
    assert push.push(http_target).total == 0
    target = Target.objects.get(pk=http_target.pk)
    assert not target.active and target.disabled_at is not None
    assert "HTTP 410" in target.disabled_reason and "该接收地址已停用" in target.disabled_reason
    entry = AuditEntry.objects.get(action="exchange.target_disabled")
    assert entry.object_id == str(target.pk)
    delivery = _delivery(http_target, accepted)
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 0)
    assert push.run_once() == 0 and receiver.requests == 1  # a disabled target is not pushed to


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(http_target, accepted, receiver, status) -> None:
    receiver.tell(status, retry_after="120", times=1)
    before = timezone.now()
    assert push.push(http_target).retried == 1
    delivery = _delivery(http_target, accepted)
    assert delivery.status == Status.PENDING and delivery.next_at >= before + timedelta(seconds=120)
    assert delivery.last_error.startswith(f"HTTP {status}")
    assert push.push(http_target, now=before + timedelta(seconds=60)).total == 0  # not before its time
    assert push.push(http_target, now=delivery.next_at).accepted == 1


def test_an_http_date_in_retry_after_is_honoured(http_target, accepted, receiver) -> None:
    later = timezone.now() + timedelta(minutes=30)
    receiver.tell(503, retry_after=format_datetime(later, usegmt=True), times=1)
    push.push(http_target)
    assert _delivery(http_target, accepted).next_at >= later - timedelta(seconds=2)


def test_a_down_receiver_is_retried_and_the_rows_arrive_when_it_is_back(
    cast,
    licence,
    http_target,
    receiver,
) -> None:
    cases = [steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk) for _ in range(3)]
    work_off()
    receiver.down(1.0)
    assert push.push(http_target).retried == 3
    for remark in Delivery.objects.values_list("last_error", flat=True):
        assert remark.startswith(("无法连接或无响应：", "对方无响应，本批其余记录稍后重试"))
    time.sleep(1.2)
    assert push.push(http_target, now=timezone.now() + timedelta(seconds=10)).accepted == 3
    assert set(receiver.rows) == {_guid(case) for case in cases}


def test_a_target_that_never_answers_times_out_once_per_batch(cast, licence, settings, monkeypatch) -> None:
    settings.YIMEN = {**settings.YIMEN, "EXCHANGE_HTTP_TIMEOUT_SECONDS": 1}
    monkeypatch.setattr(http, "THREADS", 1)
    with socket.socket() as silent:  # takes connections (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        target = make_target(
            "silent", kinds=[Kind.ACCEPT], transport="http", secret=SECRET,
            endpoint=f"http://127.0.0.1:{silent.getsockname()[1]}/",
        )  # fmt: skip
        for _ in range(3):
            steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
        work_off()
        started = time.monotonic()
        assert push.push(target).retried == 3
        assert time.monotonic() - started < 2.5  # one timeout, not one per row
    errors = list(Delivery.objects.order_by("id").values_list("last_error", flat=True))
    assert "ReadTimeoutError" in errors[0] and errors[1:] == ["对方无响应，本批其余记录稍后重试"] * 2


def test_a_slow_target_is_sent_no_more_rows_after_half_the_lease(
    cast,
    licence,
    settings,
    monkeypatch,
    http_target,
    receiver,
) -> None:
    settings.YIMEN = {**settings.YIMEN, "EXCHANGE_LEASE_SECONDS": 1}
    monkeypatch.setattr(http, "THREADS", 2)
    for _ in range(4):
        steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    receiver.delay = 0.6  # the first two rows take longer than half the lease
    done = push.push(http_target)
    assert (done.accepted, done.retried) == (2, 2)
    waiting = Delivery.objects.filter(status=Status.PENDING)
    assert {d.last_error for d in waiting} == {"本批推送用时已过半个租约，其余记录稍后重试"}
    assert receiver.requests == 2


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"secret": ""}, "ValueError: 密钥：未设置签名密钥"),
        ({"secret": "whsec_?"}, "ValueError: 密钥：whsec_ 之后应为 Base64"),
        ({"endpoint": "ftp://127.0.0.1/"}, "ValueError: 地址：HTTP 推送的地址应以 https:// 或 http:// 开头"),
    ],
)
def test_a_misconfigured_target_sends_nothing_and_says_why(
    cast,
    licence,
    receiver,
    fields,
    reason,
) -> None:
    target = make_target(
        "department",
        kinds=[Kind.ACCEPT],
        transport="http",
        **{"endpoint": receiver.url, "secret": SECRET, **fields},
    )
    steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    assert push.push(target).retried == 1
    assert Delivery.objects.get(target=target).last_error.startswith(reason)
    assert receiver.requests == 0


def test_dead_letter_after_the_schedule_with_an_sms_alert(
    cast,
    licence,
    settings,
    receiver,
) -> None:
    settings.YIMEN = {**settings.YIMEN, "EXCHANGE_RETRY_SECONDS": [0, 0, 0]}
    target = make_target(
        "department", kinds=[Kind.ACCEPT], transport="http", endpoint=receiver.url, secret=SECRET,
        alert_phone="13900001111", name="市场监管局业务系统",
    )  # fmt: skip
    case = steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    receiver.tell(503)
    outcomes = [push.push(target) for _ in range(4)]
    assert [o.retried for o in outcomes] == [1, 1, 0, 0] and outcomes[2].dead == 1
    delivery = _delivery(target, case)
    assert (delivery.status, delivery.attempts) == (Status.DEAD, 3)
    assert delivery.last_error.startswith("HTTP 503")
    assert receiver.seen(f"{_guid(case)}.1") == 3
    assert AuditEntry.objects.filter(action="exchange.dead_letters").count() == 1
    work_off()
    [sms] = SmsMessage.objects.filter(template="exchange.dead")
    assert sms.phone == "13900001111"
    assert "向“市场监管局业务系统”推送的1条数据" in sms.text and "已转入死信" in sms.text


def test_the_webhook_id_is_kept_across_retries_and_new_for_a_correction(
    cast,
    http_target,
    accepted,
    receiver,
) -> None:
    guid = _guid(accepted)
    receiver.tell(503, times=1)
    push.push(http_target)
    push.push(http_target, now=timezone.now() + timedelta(seconds=10))
    assert [(msg_id, status) for msg_id, _, status in receiver.log] == [
        (f"{guid}.1", 503),
        (f"{guid}.1", 200),
    ]
    correct_applicant(
        case=accepted, changes={"applicant_name": "青山食品有限责任公司"}, by=cast.reviewer, reason="更正"
    )
    work_off()
    push.push(http_target)
    assert [msg_id for msg_id, _, _ in receiver.log] == [f"{guid}.1", f"{guid}.1", f"{guid}.2"]
    assert receiver.rows[guid]["operation"] == "U" and receiver.rows[guid]["row"]["row_guid"] == guid
    assert receiver.rows[guid]["row"]["applyer_name"] == "青山食品有限责任公司"
    assert receiver.applied[guid] == 2 and receiver.duplicates == 0


def test_a_row_sent_again_after_a_lost_answer_is_applied_once(http_target, accepted, receiver):
    push.push(http_target)
    # The worker died before it recorded the answer: its lease ran out and the row is due again.
    Delivery.objects.filter(target=http_target).update(status=Status.SENDING, lease_until=timezone.now())
    assert push.push(http_target, now=timezone.now() + timedelta(seconds=1)).accepted == 1
    assert receiver.duplicates == 1 and receiver.applied[_guid(accepted)] == 1
    assert _delivery(http_target, accepted).attempts == 2


def test_every_case_kind_goes_to_its_own_type(cast, licence, receiver) -> None:
    target = make_target("all", kinds=CASE_KINDS, transport="http", endpoint=receiver.url, secret=SECRET)
    case = steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    push.push(target)
    types = sorted(message["type"] for message in receiver.rows.values())
    assert types == ["up_pro_accept", "up_pro_process", "up_pro_process"]
    assert {message["row"]["project_no"] for message in receiver.rows.values()} == {case.number}
    assert not Delivery.objects.exclude(status=Status.ACCEPTED).exists()
