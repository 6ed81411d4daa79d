"""push.py: batches under a lease, the outcomes recorded, the retry schedule, feedback and the target's
field mapping; reconcile.py: a lost row found and owed again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.cases.conftest import COMPANY, file
from tests.exchange.conftest import make_target, work_off
from yimen.cases.services import steps
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.exchange import push, reconcile
from yimen.exchange.models import Delivery, Kind, Record, Status
from yimen.exchange.transports import Feedback, Outcome, TargetGone


@pytest.fixture
def accepted_case(cast, licence):
    return steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)


def test_the_targets_mapping_renames_translates_omits_and_adds(accepted_case, recorder):
    target = make_target(
        kinds=[Kind.ACCEPT],
        mapping={
            Kind.ACCEPT: {
                "table": "sx_banjian_shouli",
                "fields": {"project_no": "bjbh"},
                "values": {"applyer_type": {"2": "20"}},
                "omit": ["address"],
                "constants": {"xzqh": "421200"},
            }
        },
    )
    work_off()
    push.push(target)
    [row] = recorder.sent
    assert row.table == "sx_banjian_shouli"
    assert row.row["bjbh"] == accepted_case.number and "project_no" not in row.row
    assert row.row["applyer_type"] == "20" and "address" not in row.row and row.row["xzqh"] == "421200"
    assert row.row["data_source"] == target.data_source


def test_a_failed_row_is_retried_on_the_schedule_and_honours_retry_after(accepted_case, recorder, settings):
    settings.YIMEN = {**settings.YIMEN, "EXCHANGE_RETRY_SECONDS": [0, 300, 3600]}
    target = make_target(kinds=[Kind.ACCEPT])
    work_off()
    recorder.answer = lambda row: Outcome(row.delivery, "retry", remark="HTTP 503", retry_after=7200)
    now = timezone.now()
    assert push.push(target, now=now).retried == 1
    delivery = Delivery.objects.get()
    assert delivery.status == Status.PENDING and delivery.attempts == 1
    assert delivery.next_at >= now + timedelta(seconds=7200) and delivery.last_error == "HTTP 503"
    assert push.push(target, now=now + timedelta(seconds=60)).total == 0  # not due yet
    recorder.answer = lambda row: Outcome(row.delivery, "retry", remark="超时")
    later = now + timedelta(hours=3)
    push.push(target, now=later)
    delivery.refresh_from_db()
    # The second failure waits the schedule's third step, 3600 s, give or take the 10% jitter.
    assert later + timedelta(seconds=3240) <= delivery.next_at <= later + timedelta(seconds=3960)


def test_after_the_schedule_a_row_is_dead_and_the_alert_is_texted(accepted_case, recorder, settings):
    settings.YIMEN = {**settings.YIMEN, "EXCHANGE_RETRY_SECONDS": [0, 0, 0]}  # three attempts in all
    target = make_target(kinds=[Kind.ACCEPT], alert_phone="13800001111")
    work_off()
    recorder.answer = lambda row: Outcome(row.delivery, "retry", remark="连接被拒绝")
    for _ in range(3):
        push.push(target, now=timezone.now() + timedelta(seconds=1))
    delivery = Delivery.objects.get()
    assert delivery.status == Status.DEAD and delivery.attempts == 3
    assert OutboxMessage.objects.filter(name="sms.send", payload__template="exchange.dead").count() == 1
    assert AuditEntry.objects.filter(action="exchange.dead_letters").exists()


def test_a_row_the_transport_does_not_answer_for_is_retried_not_dropped(accepted_case, recorder, monkeypatch):
    target = make_target(kinds=[Kind.ACCEPT, Kind.PROCESS])
    work_off()

    def send(self, target, batch):
        return [Outcome(row.delivery, "accepted") for row in batch if row.kind == Kind.ACCEPT]

    monkeypatch.setattr(recorder, "send", send)
    push.push(target)
    assert set(Delivery.objects.filter(kind=Kind.PROCESS).values_list("status", flat=True)) == {
        Status.PENDING
    }
    assert Delivery.objects.get(kind=Kind.ACCEPT).status == Status.ACCEPTED


def test_a_gone_target_is_disabled_and_keeps_its_rows(accepted_case, recorder):
    target = make_target(kinds=[Kind.ACCEPT])
    work_off()

    def gone(row):
        raise TargetGone("HTTP 410")

    recorder.answer = gone
    push.push(target)
    target.refresh_from_db()
    assert not target.active and "410" in target.disabled_reason
    delivery = Delivery.objects.get()
    assert delivery.status == Status.PENDING and delivery.attempts == 0
    assert push.run_once() == 0  # a disabled target is not pushed


def test_feedback_rejects_the_attempt_it_names_and_quiet_rows_are_accepted(accepted_case, recorder):
    target = make_target(kinds=[Kind.ACCEPT, Kind.PROCESS], ack_minutes=60)
    work_off()
    recorder.answer = lambda row: Outcome(row.delivery, "sent")
    now = timezone.now()
    push.push(target, now=now)
    accept = Delivery.objects.get(kind=Kind.ACCEPT)
    recorder.reports = [
        Feedback(
            accept.record.row_guid,
            accept.cd_batch,
            accepted=False,
            err_type="必填项为空",
            remark="contact_mobile",
        ),
        Feedback(accept.record.row_guid, "an-older-batch", accepted=False, err_type="旧批次"),
    ]
    push.collect_feedback(target, now=now + timedelta(minutes=1))
    accept.refresh_from_db()
    assert accept.status == Status.REJECTED and accept.err_type == "必填项为空"
    assert set(Delivery.objects.filter(kind=Kind.PROCESS).values_list("status", flat=True)) == {Status.SENT}
    assert (
        push.confirm_quiet(target, now=now + timedelta(minutes=61))
        == Delivery.objects.filter(kind=Kind.PROCESS).count()
    )
    accept.refresh_from_db()
    assert accept.status == Status.REJECTED


def test_the_reconciliation_finds_a_deleted_row_and_owes_it_again(accepted_case, recorder):
    target = make_target(kinds=[Kind.ACCEPT])
    work_off()
    push.push(target)
    Delivery.objects.filter(kind=Kind.ACCEPT).delete()  # lost
    [result] = reconcile.reconcile_day(timezone.localdate(), targets=[target])
    assert result.expected == 1 and result.accepted == 0 and result.requeued == 1
    assert result.gaps == [
        {"kind": "办件受理", "source": f"case:{accepted_case.pk}:accept", "status": "未推送（已补推）"}
    ]
    push.push(target)
    assert Delivery.objects.get().status == Status.ACCEPTED
    [again] = reconcile.reconcile_day(timezone.localdate(), targets=[target])
    assert again.accepted == 1 and again.gaps == [] and again.requeued == 0
    Record.objects.all().delete()  # even the record: it is written again, and owed
    [third] = reconcile.reconcile_day(timezone.localdate(), targets=[target])
    assert third.requeued == 1 and Delivery.objects.filter(status=Status.PENDING).count() == 1


def test_a_row_waiting_for_a_retry_is_never_sent_after_its_newer_version(cast, accepted_case, recorder):
    from yimen.cases.services.privacy import correct_applicant

    target = make_target(kinds=[Kind.ACCEPT])
    work_off()
    recorder.answer = lambda row: Outcome(row.delivery, "retry", remark="超时")
    push.push(target)  # in flight, then failed: waiting for its retry
    correct_applicant(
        case=accepted_case, changes={"applicant_name": "改名公司"}, by=cast.reviewer, reason="更正"
    )
    work_off()
    recorder.answer, recorder.sent = None, []
    push.push(target, now=timezone.now() + timedelta(days=1))
    push.push(target, now=timezone.now() + timedelta(days=1))
    assert [row.row["applyer_name"] for row in recorder.sent] == ["改名公司"]
    assert list(Delivery.objects.order_by("id").values_list("status", flat=True)) == [
        Status.SUPERSEDED,
        Status.ACCEPTED,
    ]
