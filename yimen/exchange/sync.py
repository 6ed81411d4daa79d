"""Bring the exchange records of one source object in line with what its rows say now, and owe every
new revision to every target that takes its kind ("一键推送": one change, every platform).

`sync` is idempotent: an event delivered twice, or a step that changed nothing the tables carry, finds
every row's digest unchanged and writes nothing. A changed row gets a new revision under the same
`row_guid` (an update); a row the source no longer has gets a deletion. Each new revision becomes one
pending delivery per target, superseding that target's older delivery of the row not yet sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yimen.exchange.models import OPEN, Delivery, Operation, Record, Revision, Status, Target
from yimen.exchange.rows import Row
from yimen.org.permissions import subtree


def canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def digest(text: str) -> str:
    """Keyed, so that the digest of a row naming an ID number cannot be matched against guesses."""
    key = hashlib.sha256(f"yimen exchange digest:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def active_targets() -> list[Target]:
    return list(Target.objects.filter(active=True))


def takes(target: Target, kind: str, organisation: int | None) -> bool:
    """Whether the target receives rows of this kind from this organisation."""
    if kind not in target.kinds:
        return False
    if target.organisation_id is None:
        return True
    return organisation is not None and organisation in subtree(target.organisation_id)


@transaction.atomic
def sync(group: str, rows: Iterable[Row], *, targets: list[Target] | None = None) -> list[Revision]:
    """Write what changed among the rows of one source object (`group`); return the new revisions."""
    now = timezone.now()
    rows = list(rows)
    existing = {
        (record.kind, record.source): record
        for record in Record.objects.select_for_update().filter(group=group)
    }
    targets = active_targets() if targets is None else targets
    revisions: list[Revision] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        seen.add((row.kind, row.source))
        text = canonical(row.fields)
        mark = digest(text)
        record = existing.get((row.kind, row.source))
        if record is None:
            record = Record.objects.create(
                kind=row.kind,
                source=row.source,
                group=group,
                row_guid=uuid.uuid4().hex,
                organisation_id=row.organisation,
                version=1,
                digest=mark,
                changed_at=row.changed_at,
            )
            operation = Operation.INSERT
        elif record.digest == mark and not record.deleted:
            continue
        else:
            operation = Operation.INSERT if record.deleted else Operation.UPDATE
            record.version += 1
            record.digest, record.deleted = mark, False
            record.changed_at = now  # a correction's clock starts when it is made
            record.organisation_id = row.organisation
            record.save(update_fields=["version", "digest", "deleted", "changed_at", "organisation"])
        revisions.append(
            Revision(
                record=record,
                version=record.version,
                operation=operation,
                payload=text,
                changed_at=record.changed_at,
                created_at=now,
            )
        )
    for key, record in existing.items():
        if key not in seen and not record.deleted:
            record.version += 1
            record.deleted, record.changed_at = True, now
            record.save(update_fields=["version", "deleted", "changed_at"])
            revisions.append(
                Revision(
                    record=record,
                    version=record.version,
                    operation=Operation.DELETE,
                    payload=canonical({}),
                    changed_at=now,
                    created_at=now,
                )
            )
    if revisions:
        Revision.objects.bulk_create(revisions)
        fan_out(revisions, targets, now=now)
    return revisions


def fan_out(revisions: list[Revision], targets: list[Target], *, now: datetime) -> list[Delivery]:
    """One pending delivery of each revision to each target that takes it."""
    records = [revision.record for revision in revisions]
    earlier: dict[tuple[int, int], set[str]] = {}
    for target_id, record_id, status in Delivery.objects.filter(record__in=records).values_list(
        "target_id", "record_id", "status"
    ):
        earlier.setdefault((target_id, record_id), set()).add(status)
    deliveries: list[Delivery] = []
    superseded: list[tuple[int, int]] = []
    for revision in revisions:
        record = revision.record
        for target in targets:
            if not takes(target, record.kind, record.organisation_id):
                continue
            before = earlier.get((target.pk, record.pk), set())
            if before & set(OPEN):
                superseded.append((target.pk, record.pk))
            # The target holds the row only if it took it (or has it and may yet report on it); a row it
            # refused, or one that never reached it, is sent again as new.
            sent_before = bool(before & {Status.SENT, Status.ACCEPTED})
            if revision.operation == Operation.DELETE and not sent_before:
                continue  # never sent: nothing to delete there
            operation = revision.operation
            if operation != Operation.DELETE:
                operation = Operation.UPDATE if sent_before else Operation.INSERT
            deliveries.append(
                Delivery(
                    target=target,
                    record=record,
                    revision=revision,
                    kind=record.kind,
                    operation=operation,
                    changed_at=revision.changed_at,
                    due_by=revision.changed_at + timedelta(minutes=target.limit_for(record.kind)),
                    next_at=now,
                    correction=Status.REJECTED in before,
                )
            )
    for target_id, record_id in superseded:
        Delivery.objects.filter(target_id=target_id, record_id=record_id, status=Status.PENDING).update(
            status=Status.SUPERSEDED
        )
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    return deliveries
