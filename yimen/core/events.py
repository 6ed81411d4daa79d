"""Events and the outbox (DESIGN.md, "Nothing is lost"), and the catalogue of events.

Every event is catalogued: a constant made by `define()` in its app's `events` module, with a frozen
dataclass as its payload and a docstring saying when it is emitted and who listens (docs/events.md is
generated from them by `yimen events doc`). `emit()` takes only a catalogued event and a payload of its
type, checked field by field; anything else is a programming error and raises where it is made.

`emit()` writes a row in the caller's transaction, so an event exists exactly when its change does.
The worker claims due rows with a lease, runs every handler registered for the event's name and
marks the row delivered. A worker that dies between claim and acknowledgement leaves the lease to
expire, and the row is delivered again: delivery is at least once. Handlers apply a message once by
running inside `handle_once()`, which records (key, handler) in the same transaction as their effect,
or by passing the key to a receiver that dedupes on it. A handler receives the payload typed, read
back from the row's JSON.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from yimen.core import batch, payloads
from yimen.core.models import HandledMessage, OutboxMessage, OutboxStatus
from yimen.core.payloads import PayloadError

log = logging.getLogger(__name__)

T = TypeVar("T")
P_co = TypeVar("P_co", covariant=True)


class UnknownEvent(LookupError):
    """An event that is not in the catalogue: a programming error."""


@dataclass(frozen=True, eq=False)
class Event(Generic[P_co]):
    """One catalogued event: its name (the outbox row's), its payload's type and what it means."""

    name: str
    payload: type[P_co]
    doc: str

    @property
    def module(self) -> str:
        """The events module that defines it (its payload type lives there too)."""
        return self.payload.__module__

    def load(self, data: dict[str, Any]) -> P_co:
        """The typed payload of a stored message."""
        return payloads.load(self.payload, data)


_catalogue: dict[str, Event[Any]] = {}


def define(name: str, payload: type[T], doc: str) -> Event[T]:
    """Catalogue an event. A name is defined once; its payload is a frozen dataclass of JSON-able fields."""
    if name in _catalogue:
        raise ValueError(f"event {name!r} is already defined in {_catalogue[name].module}")
    payloads.hints(payload)  # refuses a payload type that is not a frozen dataclass
    event = Event(name, payload, inspect.cleandoc(doc))
    _catalogue[name] = event
    return event


def catalogue() -> list[Event[Any]]:
    """Every catalogued event, in the order defined, after importing each Yimen app's events module."""
    for config in apps.get_app_configs():
        if config.name.startswith("yimen."):
            try:
                importlib.import_module(f"{config.name}.events")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.events":
                    raise
    return list(_catalogue.values())


def _catalogued(event: Event[Any]) -> Event[Any]:
    if not isinstance(event, Event) or _catalogue.get(event.name) is not event:
        raise UnknownEvent(f"{event!r} is not a catalogued event: define it in its app's events module")
    return event


@dataclass(frozen=True)
class Message(Generic[T]):
    """A claimed outbox row: its payload is the stored JSON until `received()` reads it as its type."""

    id: int
    name: str
    payload: T
    key: str
    attempt: int


Handler = Callable[[Message[Any]], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def handles(
    event: Event[T], *more: Event[T]
) -> Callable[[Callable[[Message[T]], None]], Callable[[Message[T]], None]]:
    """Register a handler for a catalogued event (or several, whose payloads it reads alike); register
    from an app's `ready()` (via its handlers module)."""
    names = [_catalogued(each).name for each in (event, *more)]

    def register(func: Callable[[Message[T]], None]) -> Callable[[Message[T]], None]:
        for name in names:
            if func not in _handlers[name]:
                _handlers[name].append(func)
        return func

    return register


def handlers_for(name: str) -> list[Handler]:
    return list(_handlers.get(name, ()))


def received(message: Message[dict[str, Any]]) -> Message[Any]:
    """The message as its handlers get it: the payload read back as the event's type."""
    event = _catalogue.get(message.name)
    if event is None:
        raise UnknownEvent(f"the stored message names {message.name!r}, which is not a catalogued event")
    payload = event.load(message.payload)
    return Message(message.id, message.name, payload, message.key, message.attempt)


def _message(event: Event[T], payload: T, key: str | None) -> OutboxMessage:
    name = _catalogued(event).name
    if type(payload) is not event.payload:
        raise PayloadError(f"{name} carries {event.payload.__name__}, not {type(payload).__name__}")
    wrong = payloads.errors(payload)
    if wrong:
        raise PayloadError(f"{name}: {'; '.join(wrong)}")
    return OutboxMessage(key=key or f"{name}:{uuid.uuid4().hex}", name=name, payload=payloads.dump(payload))


def emit(event: Event[T], payload: T, *, key: str | None = None) -> OutboxMessage:
    """Write an event to the outbox inside the caller's transaction. `key` makes a repeat a no-op.

    One statement, INSERT … ON CONFLICT (key) DO NOTHING RETURNING id. A repeat reads back the message
    the key already names.
    """
    message = _message(event, payload, key)
    sql, values = batch.insert_statement([message], skip_conflicts_on="key")  # no savepoint, no lookup
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {connection.ops.quote_name('id')}", values)
        row = cursor.fetchone()
    if row is None:
        return OutboxMessage.objects.get(key=message.key)
    message.pk = row[0]
    message._state.adding = False
    return message


def emit_later(event: Event[T], payload: T, *, key: str | None = None) -> None:
    """`emit` for a caller that does not need the message back: inside a service (`batch.collecting`)
    it is written with the service's other writes when the service ends; a repeated key is a no-op."""
    batch.insert(_message(event, payload, key), skip_conflicts_on="key")


def handle_once(message: Message[Any], handler: str, effect: Callable[[], None]) -> bool:
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


# --- daily jobs: one message a day, however many workers run -----------------------------------------


@dataclass(frozen=True)
class Day:
    day: date  # the local day the job runs for


_daily: list[Event[Day]] = []


def every_day(event: Event[Day]) -> Event[Day]:
    """Have the worker emit `event` once each local day (`emit_daily`); its handlers do the day's job."""
    if _catalogued(event).payload is not Day:
        raise TypeError(f"{event.name}: a daily event's payload is events.Day")
    if event not in _daily:
        _daily.append(event)
    return event


def emit_daily(*, now: datetime | None = None) -> int:
    """Emit each daily event for today, keyed by its name and the day, so that every worker may call this
    every minute and each job is still queued (and delivered) once a day. Returns how many were new."""
    today = timezone.localtime(now or timezone.now()).date()
    return sum(_emit_day(event, today) for event in _daily)


def _emit_day(event: Event[Day], today: date) -> bool:
    key = f"{event.name}:{today.isoformat()}"
    if OutboxMessage.objects.filter(key=key).exists():
        return False
    with transaction.atomic():
        emit(event=event, payload=Day(day=today), key=key)
    return True


# --- jobs of each worker pass: work an app does beside its handlers (e.g. pushing exchange rows) --------

_passes: list[Callable[[], int]] = []


def every_pass(job: Callable[[], int]) -> Callable[[], int]:
    """Have the worker run `job` on each pass, after delivering events; it returns how much it did (0 when
    idle, so that an idle worker sleeps). Register from an app's `ready()`."""
    if job not in _passes:
        _passes.append(job)
    return job


def run_passes() -> int:
    """Each registered pass job once; a failing job is logged and the others still run."""
    done = 0
    for job in _passes:
        try:
            done += job()
        except Exception:
            log.exception("worker pass job %s failed", getattr(job, "__qualname__", job))
    return done


def backoff(attempt: int) -> timedelta:
    """Exponential: base, 2×base, 4×base … capped."""
    conf = settings.YIMEN
    seconds = min(
        conf["OUTBOX_BACKOFF_SECONDS"] * 2 ** max(attempt - 1, 0), conf["OUTBOX_BACKOFF_MAX_SECONDS"]
    )
    return timedelta(seconds=seconds)


def claim(limit: int = 50, *, now: datetime | None = None) -> list[Message[dict[str, Any]]]:
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


def deliver(message: Message[dict[str, Any]], *, now: datetime | None = None) -> bool:
    """Run every handler for one claimed message; acknowledge it, or schedule a retry or the dead letter."""
    try:
        handlers = handlers_for(message.name)
        if handlers:
            typed = received(message)
            for func in handlers:
                func(typed)
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


def _fail(message: Message[Any], exc: Exception, *, now: datetime) -> None:
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


# --- Core's events --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarChanged:
    years: tuple[int, ...]  # the years whose calendar changed
    dates: tuple[date, ...]  # the days whose working-day status changed
    earliest: date  # the first day from which deadlines may have moved


CALENDAR_CHANGED = define(
    "calendar.changed",
    CalendarChanged,
    """A holiday notice was loaded or a day was opened or closed (core.services), and working days moved —
    or a provisional year was confirmed. Cases, disclosure requests and publications listen and compute
    their open deadlines again from `earliest`.""",
)


@dataclass(frozen=True)
class SmsQueued:
    phone: str  # a mainland mobile number, SM4-GCM-sealed (notify.seal_payload_phone; plain in older rows)
    template: str  # a code of notify.ALLOWED_PLACEHOLDERS
    context: dict[str, str]  # the template's values
    queued_at: datetime  # counts toward that month's quota


SMS_SEND = define(
    "sms.send",
    SmsQueued,
    """An SMS to send (`notify.queue_sms`, in the transaction of the step that warrants it: a case's step,
    a work order's reply, the supervision digest). Core listens and sends it once through the configured
    gateway, within the monthly quota; the message key is the SMS's idempotency key.""",
)
