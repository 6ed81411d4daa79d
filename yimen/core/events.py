"""Events and the outbox (DESIGN.md, "Nothing is lost").

`emit()` writes a row in the caller's transaction, so an event exists exactly when its change does.
The worker claims due rows with a lease, runs every handler registered for the event's name and
marks the row delivered. A worker that dies between claim and acknowledgement leaves the lease to
expire, and the row is delivered again: delivery is at least once. Handlers apply a message once by
running inside `handle_once()`, which records (key, handler) in the same transaction as their effect,
or by passing the key to a receiver that dedupes on it.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from yimen.core import batch
from yimen.core.models import HandledMessage, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    id: int
    name: str
    payload: dict[str, Any]
    key: str
    attempt: int


Handler = Callable[[Message], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def handles(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for an event name; register from an app's `ready()` (via its handlers module)."""

    def register(func: Handler) -> Handler:
        if func not in _handlers[name]:
            _handlers[name].append(func)
        return func

    return register


def handlers_for(name: str) -> list[Handler]:
    return list(_handlers.get(name, ()))


def _message(name: str, payload: dict[str, Any] | None, key: str | None) -> OutboxMessage:
    return OutboxMessage(key=key or f"{name}:{uuid.uuid4().hex}", name=name, payload=payload or {})


def emit(name: str, payload: dict[str, Any] | None = None, *, key: str | None = None) -> OutboxMessage:
    """Write an event to the outbox inside the caller's transaction. `key` makes a repeat a no-op.

    One statement, INSERT … ON CONFLICT (key) DO NOTHING RETURNING id. A repeat reads back the message
    the key already names.
    """
    message = _message(name, payload, key)
    sql, values = batch.insert_statement([message], skip_conflicts_on="key")  # no savepoint, no lookup
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {connection.ops.quote_name('id')}", values)
        row = cursor.fetchone()
    if row is None:
        return OutboxMessage.objects.get(key=message.key)
    message.pk = row[0]
    message._state.adding = False
    return message


def emit_later(name: str, payload: dict[str, Any] | None = None, *, key: str | None = None) -> None:
    """`emit` for a caller that does not need the message back: inside a service (`batch.collecting`)
    it is written with the service's other writes when the service ends; a repeated key is a no-op."""
    batch.insert(_message(name, payload, key), skip_conflicts_on="key")


def handle_once(message: Message, handler: str, effect: Callable[[], None]) -> bool:
    """Run `effect` and record it as done for (message key, handler) in one transaction.

    Returns False, doing nothing, when this handler already applied this message.
    """
    try:
        with transaction.atomic():
            HandledMessage.objects.create(key=message.key, handler=handler)
            effect()
    except IntegrityError:
        if HandledMessage.objects.filter(key=message.key, handler=handler).exists():
            return False
        raise
    return True


def backoff(attempt: int) -> timedelta:
    """Exponential: base, 2×base, 4×base … capped."""
    conf = settings.YIMEN
    seconds = min(
        conf["OUTBOX_BACKOFF_SECONDS"] * 2 ** max(attempt - 1, 0), conf["OUTBOX_BACKOFF_MAX_SECONDS"]
    )
    return timedelta(seconds=seconds)


def claim(limit: int = 50, *, now: datetime | None = None) -> list[Message]:
    """Take up to `limit` due messages under a lease: pending ones, and claimed ones whose lease ran out.

    The attempt is counted at claim time, so a message whose handler kills the worker every time
    still reaches the dead letter instead of taking the worker down forever.
    """
    now = now or timezone.now()
    lease = timedelta(seconds=settings.YIMEN["OUTBOX_LEASE_SECONDS"])
    max_attempts = settings.YIMEN["OUTBOX_MAX_ATTEMPTS"]
    with transaction.atomic():
        due = OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, available_at__lte=now
        ) | OutboxMessage.objects.filter(status=OutboxStatus.CLAIMED, claimed_until__lte=now)
        due = due.order_by("available_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.values("id", "name", "payload", "key", "attempts")[:limit])
        spent = [row["id"] for row in rows if row["attempts"] >= max_attempts]
        rows = [row for row in rows if row["attempts"] < max_attempts]
        OutboxMessage.objects.filter(id__in=spent).update(
            status=OutboxStatus.DEAD, claimed_until=None, last_error="投递过程中工作进程多次中止"
        )
        OutboxMessage.objects.filter(id__in=[row["id"] for row in rows]).update(
            status=OutboxStatus.CLAIMED, claimed_until=now + lease, attempts=F("attempts") + 1
        )
    return [Message(r["id"], r["name"], r["payload"], r["key"], r["attempts"] + 1) for r in rows]


def deliver(message: Message, *, now: datetime | None = None) -> bool:
    """Run every handler for one claimed message; acknowledge it, or schedule a retry or the dead letter."""
    try:
        for func in handlers_for(message.name):
            func(message)
    except Exception as exc:
        _fail(message, exc, now=now or timezone.now())
        return False
    OutboxMessage.objects.filter(id=message.id, status=OutboxStatus.CLAIMED).update(
        status=OutboxStatus.DONE,
        attempts=message.attempt,
        delivered_at=now or timezone.now(),
        claimed_until=None,
    )
    return True


def _fail(message: Message, exc: Exception, *, now: datetime) -> None:
    dead = message.attempt >= settings.YIMEN["OUTBOX_MAX_ATTEMPTS"]
    log.warning("outbox %s #%s attempt %s failed: %r", message.name, message.id, message.attempt, exc)
    OutboxMessage.objects.filter(id=message.id).update(
        status=OutboxStatus.DEAD if dead else OutboxStatus.PENDING,
        available_at=now + backoff(message.attempt),
        claimed_until=None,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )


def run_once(limit: int = 50, *, now: datetime | None = None) -> tuple[int, int]:
    """One pass of the worker: (delivered, failed)."""
    delivered = failed = 0
    for message in claim(limit, now=now):
        if deliver(message, now=now):
            delivered += 1
        else:
            failed += 1
    return delivered, failed


def requeue_dead(ids: list[int] | None = None) -> int:
    """Give dead letters a new round of attempts (an administrator's action after fixing the cause)."""
    rows = OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
    if ids is not None:
        rows = rows.filter(id__in=ids)
    return rows.update(status=OutboxStatus.PENDING, attempts=0, available_at=timezone.now(), last_error="")
