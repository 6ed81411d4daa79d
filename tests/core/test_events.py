"""The outbox: events written with their change, delivered at least once, applied once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from yimen.core import events
from yimen.core.models import HandledMessage, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class CaseNumber:
    case: str


@dataclass(frozen=True)
class Nothing:
    pass


TEST_SMS = events.define("test.sms", Text, "An SMS text, for the outbox's tests.")
TEST_PUSH = events.define("test.push", CaseNumber, "A push to a provincial platform, for the outbox's tests.")
NOBODY_LISTENS = events.define("test.nobody_listens", Nothing, "An event without handlers.")
POISON = events.define("test.poison", Nothing, "An event whose delivery kills the worker.")

applied: list[str] = []
calls: list[str] = []


@pytest.fixture(autouse=True)
def _handlers():
    applied.clear()
    calls.clear()
    saved = dict(events._handlers)
    yield
    events._handlers.clear()
    events._handlers.update(saved)


def _register_counting_handler() -> None:
    @events.handles(TEST_SMS)
    def send(message: events.Message[Text]) -> None:
        calls.append(message.key)
        events.handle_once(message, "test.send", lambda: applied.append(message.payload.text))


def test_an_event_is_written_only_if_its_transaction_commits() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit(TEST_SMS, Text("您的办件已受理"))
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    events.emit(TEST_SMS, Text("您的办件已受理"))
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING


def test_the_worker_delivers_to_every_registered_handler() -> None:
    _register_counting_handler()
    events.emit(TEST_SMS, Text("您的办件已受理"), key="case-1:accepted")
    assert events.run_once() == (1, 0)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.DONE and message.attempts == 1 and message.delivered_at
    assert applied == ["您的办件已受理"]
    assert events.run_once() == (0, 0)


def test_emitting_the_same_key_twice_keeps_one_message() -> None:
    events.emit(TEST_SMS, Text("a"), key="case-1:accepted")
    events.emit(TEST_SMS, Text("a"), key="case-1:accepted")
    assert OutboxMessage.objects.count() == 1


def test_a_worker_killed_between_claim_and_ack_loses_nothing_and_applies_once() -> None:
    _register_counting_handler()
    events.emit(TEST_SMS, Text("您的办件已办结"), key="case-2:concluded")
    now = timezone.now()

    # A worker claims the message and runs the handler, then dies before acknowledging it.
    [claimed] = events.claim(now=now)
    for handler in events.handlers_for(claimed.name):
        handler(events.received(claimed))
    assert OutboxMessage.objects.get().status == OutboxStatus.CLAIMED

    # While the lease runs, nobody else takes it.
    assert events.run_once(now=now + timedelta(seconds=10)) == (0, 0)

    # After the lease the message is delivered again, and the repeat is recognised by its key.
    assert events.run_once(now=now + timedelta(minutes=10)) == (1, 0)
    assert calls == ["case-2:concluded", "case-2:concluded"]
    assert applied == ["您的办件已办结"]
    assert HandledMessage.objects.filter(key="case-2:concluded").count() == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.DONE


def test_failures_back_off_exponentially_then_go_to_the_dead_letter(settings) -> None:
    settings.YIMEN = {**settings.YIMEN, "OUTBOX_MAX_ATTEMPTS": 3, "OUTBOX_BACKOFF_SECONDS": 5}

    @events.handles(TEST_PUSH)
    def push(message: events.Message[CaseNumber]) -> None:
        raise ConnectionError("省平台无响应")

    events.emit(TEST_PUSH, CaseNumber("X1"))
    now = timezone.now()
    assert events.run_once(now=now) == (0, 1)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert message.available_at == now + timedelta(seconds=5)
    assert "省平台无响应" in message.last_error

    assert events.run_once(now=now + timedelta(seconds=4)) == (0, 0)  # not due yet
    assert events.run_once(now=now + timedelta(seconds=5)) == (0, 1)
    message.refresh_from_db()
    assert message.available_at == now + timedelta(seconds=5 + 10)

    assert events.run_once(now=now + timedelta(seconds=15)) == (0, 1)
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD and message.attempts == 3
    assert events.run_once(now=now + timedelta(days=1)) == (0, 0)

    assert events.requeue_dead() == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING


def test_backoff_is_capped() -> None:
    assert events.backoff(1) == timedelta(seconds=5)
    assert events.backoff(3) == timedelta(seconds=20)
    assert events.backoff(40) == timedelta(hours=1)


def test_a_message_without_handlers_is_simply_delivered() -> None:
    events.emit(NOBODY_LISTENS, Nothing())
    assert events.run_once() == (1, 0)


def test_a_message_that_keeps_killing_its_worker_ends_in_the_dead_letter(settings) -> None:
    settings.YIMEN = {**settings.YIMEN, "OUTBOX_MAX_ATTEMPTS": 2}
    events.emit(POISON, Nothing())
    now = timezone.now()
    assert len(events.claim(now=now)) == 1  # worker dies
    assert len(events.claim(now=now + timedelta(minutes=10))) == 1  # and again
    assert events.claim(now=now + timedelta(minutes=20)) == []
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.DEAD and message.attempts == 2
    assert "多次中止" in message.last_error
