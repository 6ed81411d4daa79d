"""The change feed: every revision of the exchange records an organisation may read, in the order written.

A department's system pulls what changed since its last call instead of receiving pushes: the cases,
items, certificates and evaluations of its organisations (and those below them), each revision with the
same row a push carries. The cursor is the revision's id, which only grows.

Ids are handed out when a revision is inserted, but a transaction that took a lower id may commit after
one that took a higher id; a reader that moved its cursor past the higher one would never see the lower.
So a call serves only revisions written more than `SETTLE` ago and stops before the first newer one: a
sync commits within milliseconds of writing its revisions (exchange.sync, in the worker's handler). Each
call also looks at no more than `SCAN` ids from the first one past the cursor, so a key whose organisations are a small part
of a province's traffic costs a bounded range scan per call, and its cursor still moves on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max
from django.utils import timezone

from yimen.exchange.models import Kind, Revision
from yimen.exchange.rows import when

# What the feed offers: every kind but the trading notices, which are the trading platform's.
KINDS: tuple[str, ...] = tuple(kind for kind in Kind.values if kind != Kind.TRADING)
MAX_LIMIT = 1000
SETTLE = timedelta(seconds=10)
SCAN = 50_000


@dataclass(frozen=True)
class Change:
    cursor: str
    row_guid: str
    kind: str
    operation: str
    changed_at: datetime
    row: dict[str, Any]


@dataclass(frozen=True)
class Page:
    items: list[Change]
    next: str


def row_of(revision: Revision) -> dict[str, Any]:
    """The row as a push carries it, without what belongs to one push (cd_batch, data_source): the
    national fields and the row's bookkeeping."""
    row: dict[str, Any] = json.loads(revision.payload)
    row.update(
        row_guid=revision.record.row_guid,
        cd_operation=revision.operation,
        cd_time=when(revision.created_at),
    )
    return row


def changes(
    *,
    organisations: set[int],
    kinds: list[str] | tuple[str, ...] = KINDS,
    since: int = 0,
    limit: int = 100,
    now: datetime | None = None,
) -> Page:
    """Up to `limit` revisions after `since` of records of `organisations` and `kinds`, oldest first, and
    the cursor to ask from next (unchanged when nothing new has settled)."""
    limit = min(limit, MAX_LIMIT)
    if not organisations or not kinds:
        return Page([], str(since))
    horizon = (now or timezone.now()) - SETTLE
    after = Revision.objects.filter(id__gt=since)
    first = after.order_by("id").values_list("id", flat=True).first()
    if first is None:
        return Page([], str(since))
    window = after.filter(id__lt=first + SCAN)
    unsettled = window.filter(created_at__gt=horizon).order_by("id").values_list("id", flat=True).first()
    if unsettled is not None:
        window = window.filter(id__lt=unsettled)
    found = list(
        window.filter(record__organisation_id__in=organisations, record__kind__in=kinds)
        .select_related("record")
        .order_by("id")[:limit]
    )
    # A full page ends at its last row; a short one has read the whole window.
    full = len(found) == limit
    last = found[-1].pk if full else window.aggregate(last=Max("id"))["last"] or since
    items = [
        Change(
            cursor=str(revision.pk),
            row_guid=revision.record.row_guid,
            kind=revision.record.kind,
            operation=revision.operation,
            changed_at=revision.changed_at,
            row=row_of(revision),
        )
        for revision in found
    ]
    return Page(items, str(last))
