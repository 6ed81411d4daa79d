"""Sending what is owed: each target's due deliveries, in batches, through its transport.

A batch is claimed under a lease (a worker killed mid-send leaves the lease to expire and the rows are
sent again: at least once; the target dedupes on `row_guid`/`webhook-id`). Each attempt gets a new
`cd_batch` and `cd_time`. A failed row is retried on the Standard Webhooks schedule (immediately, 5 s,
5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: about three days, with jitter), honouring the target's
`Retry-After`; after the last attempt it is dead, and the target's alert phone gets an SMS. A target
that answers 410 is disabled. Rows written to a 前置库 are accepted once the target's confirmation wait
passes with no rejection in its feedback table.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from yimen.cases.transitions import centre_name
from yimen.core import audit, notify
from yimen.exchange.models import Delivery, Operation, Revision, Status, Target
from yimen.exchange.rows import when
from yimen.exchange.transports import Feedback, Outcome, Outgoing, TargetGone, transport_for

log = logging.getLogger(__name__)


def schedule() -> tuple[int, ...]:
    """Seconds to wait before each retry, Standard Webhooks' example schedule by default (settings)."""
    return tuple(settings.YIMEN["EXCHANGE_RETRY_SECONDS"])


def lease_seconds() -> int:
    return int(settings.YIMEN["EXCHANGE_LEASE_SECONDS"])


def new_batch(now: datetime) -> str:
    """批次号: 32 characters, the time then random."""
    return f"{timezone.localtime(now):%Y%m%d%H%M%S}{uuid.uuid4().hex[:18]}"


def mapped(target: Target, kind: str, fields: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The target's table name and row for a kind: its value translations, renames, omissions and
    constants applied to the national fields."""
    rules = target.mapping.get(kind, {}) if isinstance(target.mapping, dict) else {}
    row = dict(fields)
    for name, values in (rules.get("values") or {}).items():
        if name in row and str(row[name]) in values:
            row[name] = values[str(row[name])]
    for name in rules.get("omit") or ():
        row.pop(name, None)
    renames = rules.get("fields") or {}
    row = {renames.get(name, name): value for name, value in row.items()}
    row.update(rules.get("constants") or {})
    return str(rules.get("table") or kind), row


@dataclass
class Pushed:
    accepted: int = 0
    sent: int = 0
    rejected: int = 0
    retried: int = 0
    dead: int = 0

    @property
    def total(self) -> int:
        return self.accepted + self.sent + self.rejected + self.retried + self.dead


def claim(target: Target, *, now: datetime, limit: int | None = None) -> list[Delivery]:
    """Take up to a batch of the target's due rows under a lease, stamping this attempt's batch and time."""
    lease = now + timedelta(seconds=lease_seconds())
    batch = new_batch(now)
    with transaction.atomic():
        due = Delivery.objects.filter(
            Q(status=Status.PENDING, next_at__lte=now) | Q(status=Status.SENDING, lease_until__lte=now),
            target=target,
        ).order_by("next_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[: limit or target.batch_size])
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids, first_sent_at__isnull=True).update(first_sent_at=now)
        Delivery.objects.filter(id__in=ids).update(
            status=Status.SENDING,
            lease_until=lease,
            attempts=F("attempts") + 1,
            cd_batch=batch,
            cd_time=now,
        )
    claimed = (
        Delivery.objects.filter(id__in=ids).select_related("record", "revision").order_by("next_at", "id")
    )
    # A row that changed again while this one waited for a retry is owed in its newer version: the older
    # one is never sent after it.
    stale = [d.pk for d in claimed if d.revision.version < d.record.version]
    if stale:
        Delivery.objects.filter(id__in=stale).update(status=Status.SUPERSEDED, lease_until=None)
    return [d for d in claimed if d.pk not in stale]


def outgoing(target: Target, delivery: Delivery) -> Outgoing:
    fields = json.loads(delivery.revision.payload)
    if delivery.operation == Operation.DELETE and not fields:
        # A deletion names the row as it was last written: a table's required columns must be filled.
        last = (
            Revision.objects.filter(record_id=delivery.record_id, version__lt=delivery.revision.version)
            .exclude(operation=Operation.DELETE)
            .order_by("-version")
            .values_list("payload", flat=True)
            .first()
        )
        fields = json.loads(last) if last else {}
    table, row = mapped(target, delivery.kind, fields)
    row.update(
        row_guid=delivery.record.row_guid,
        cd_batch=delivery.cd_batch,
        cd_operation=delivery.operation,
        cd_time=when(delivery.cd_time),
        data_source=target.data_source,
    )
    return Outgoing(
        delivery=delivery.pk,
        message_id=f"{delivery.record.row_guid}.{delivery.revision.version}",
        row_guid=delivery.record.row_guid,
        kind=delivery.kind,
        table=table,
        operation=delivery.operation,
        row=row,
    )


def push(target: Target, *, now: datetime | None = None, limit: int | None = None) -> Pushed:
    """One batch of the target's due rows: claimed, sent, and each row's outcome recorded."""
    now = now or timezone.now()
    batch = claim(target, now=now, limit=limit)
    if not batch:
        return Pushed()
    rows = [outgoing(target, delivery) for delivery in batch]
    try:
        outcomes = transport_for(target).send(target, rows)
    except TargetGone as exc:
        disable(target, f"对方答复该接收地址已停用（{exc}）", now=now)
        Delivery.objects.filter(id__in=[d.pk for d in batch]).update(
            status=Status.PENDING, lease_until=None, attempts=F("attempts") - 1, last_error=str(exc)[:1000]
        )
        return Pushed()
    except Exception as exc:
        log.warning("exchange push to %s failed: %r", target.code, exc)
        outcomes = [Outcome(d.pk, "retry", remark=f"{type(exc).__name__}: {exc}") for d in batch]
    Target.objects.filter(pk=target.pk).update(last_push_at=now)
    return record_outcomes(target, batch, outcomes, now=now)


def record_outcomes(
    target: Target, batch: list[Delivery], outcomes: list[Outcome], *, now: datetime
) -> Pushed:
    attempts = {d.pk: d.attempts for d in batch}
    answered = {outcome.delivery for outcome in outcomes}
    # A row the transport did not answer for is retried: nothing is silently dropped.
    outcomes = [
        *outcomes,
        *(Outcome(pk, "retry", remark="对方未答复该记录") for pk in attempts if pk not in answered),
    ]
    result = Pushed()
    by_status: dict[str, list[int]] = defaultdict(list)
    retries: list[Outcome] = []
    rejected: list[Outcome] = []
    for outcome in outcomes:
        if outcome.delivery not in attempts:
            continue
        if outcome.status == "retry":
            retries.append(outcome)
        elif outcome.status == "rejected":
            rejected.append(outcome)
        else:
            by_status[outcome.status].append(outcome.delivery)
    mine = Delivery.objects.filter(status=Status.SENDING)
    with transaction.atomic():
        if by_status["accepted"]:
            result.accepted = mine.filter(id__in=by_status["accepted"]).update(
                status=Status.ACCEPTED, accepted_at=now, lease_until=None, last_error=""
            )
        if by_status["sent"]:
            result.sent = mine.filter(id__in=by_status["sent"]).update(
                status=Status.SENT, lease_until=None, last_error=""
            )
        for outcome in rejected:
            result.rejected += mine.filter(id=outcome.delivery).update(
                status=Status.REJECTED,
                rejected_at=now,
                lease_until=None,
                err_type=outcome.err_type[:100],
                remark=outcome.remark[:1000],
            )
        steps = schedule()
        dead: list[int] = []
        for outcome in retries:
            tried = attempts[outcome.delivery]
            if tried >= len(steps):
                dead.append(outcome.delivery)
                continue
            wait = steps[tried] * random.uniform(0.9, 1.1)
            if outcome.retry_after is not None:
                wait = max(wait, outcome.retry_after)
            result.retried += mine.filter(id=outcome.delivery).update(
                status=Status.PENDING,
                next_at=now + timedelta(seconds=wait),
                lease_until=None,
                last_error=outcome.remark[:1000],
            )
        if dead:
            errors = {o.delivery: o.remark for o in retries}
            for pk in dead:
                result.dead += mine.filter(id=pk).update(
                    status=Status.DEAD, lease_until=None, last_error=errors.get(pk, "")[:1000]
                )
            alert_dead(target, result.dead, now=now)
    return result


def alert_dead(target: Target, count: int, *, now: datetime) -> None:
    """Rows that used up the schedule: logged, audited and, if the target names a phone, texted."""
    log.error("exchange: %s rows to %s are dead letters", count, target.code)
    audit.record("exchange.dead_letters", target, after={"count": count})
    if target.alert_phone:
        notify.queue_sms(
            phone=target.alert_phone,
            template="exchange.dead",
            context={"centre": centre_name(), "target": target.name, "count": str(count)},
            key=f"exchange.dead:{target.pk}:{timezone.localtime(now):%Y%m%d%H}",
        )


def disable(target: Target, reason: str, *, now: datetime) -> None:
    """A target gone for good (410): no more pushes until an administrator enables it again."""
    Target.objects.filter(pk=target.pk).update(active=False, disabled_at=now, disabled_reason=reason[:300])
    target.active, target.disabled_at, target.disabled_reason = False, now, reason[:300]
    audit.record("exchange.target_disabled", target, after={"reason": reason})
    log.error("exchange: target %s disabled: %s", target.code, reason)


def apply_feedback(target: Target, reports: list[Feedback], *, now: datetime | None = None) -> int:
    """A target's later word on rows it received: rejections (dn_audit_abnormal) and acceptances,
    matched by row and batch; a report on an older attempt than the row's latest is ignored."""
    now = now or timezone.now()
    changed = 0
    for report in reports:
        rows = Delivery.objects.filter(
            target=target,
            record__row_guid=report.row_guid,
            cd_batch=report.cd_batch,
            status__in=(Status.SENT, Status.ACCEPTED),
        )
        if report.accepted:
            changed += rows.filter(status=Status.SENT).update(status=Status.ACCEPTED, accepted_at=now)
        else:
            changed += rows.update(
                status=Status.REJECTED,
                rejected_at=now,
                accepted_at=None,
                err_type=report.err_type[:100],
                remark=report.remark[:1000],
            )
    return changed


def confirm_quiet(target: Target, *, now: datetime | None = None) -> int:
    """前置库: rows sent longer ago than the target's confirmation wait with no rejection are accepted."""
    now = now or timezone.now()
    return Delivery.objects.filter(
        target=target, status=Status.SENT, cd_time__lte=now - timedelta(minutes=target.ack_minutes)
    ).update(status=Status.ACCEPTED, accepted_at=now)


def collect_feedback(target: Target, *, now: datetime | None = None) -> int:
    """Read the target's feedback (if its transport has any) and apply it; then the quiet confirmations."""
    with transaction.atomic():  # the feedback cursor moves only with the reports applied
        reports = transport_for(target).feedback(target)
        changed = apply_feedback(target, reports, now=now)
    if target.transport == "frontdb":
        changed += confirm_quiet(target, now=now)
    return changed


def due_targets(now: datetime) -> list[Target]:
    """Active targets whose push interval has passed."""
    targets = []
    for target in Target.objects.filter(active=True):
        last = target.last_push_at
        if target.interval_seconds and last and (now - last).total_seconds() < target.interval_seconds:
            continue
        targets.append(target)
    return targets


def run_once(*, now: datetime | None = None) -> int:
    """One pass for the worker: a batch to each due target. Returns the rows handled."""
    now = now or timezone.now()
    handled = 0
    for target in due_targets(now):
        handled += push(target, now=now).total
    return handled


FEEDBACK_SECONDS = 60.0  # how often a worker reads the targets' feedback
_feedback_read_at = 0.0


def worker_pass() -> int:
    """The worker's pass job (events.every_pass): a batch to each due target; every minute, the feedback."""
    global _feedback_read_at
    handled = run_once()
    if time.monotonic() - _feedback_read_at >= FEEDBACK_SECONDS:
        _feedback_read_at = time.monotonic()
        for target in Target.objects.filter(active=True):
            try:
                handled += collect_feedback(target)
            except Exception:
                log.exception("exchange: reading feedback of %s failed", target.code)
    return handled
