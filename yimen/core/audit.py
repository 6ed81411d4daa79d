"""The audit log: every change, append-only, each entry's hash chained to the one before.

An entry is written in the transaction of the change it records (with a service's other writes, see
`batch`), and sealed a moment later: `seal()` numbers the entries written since the last seal in the
order they were written and chains each one's hash to the one before. Writers never wait for each
other, so a busy centre's steps commit side by side; sealing is one short transaction for a whole
batch, run by the worker every few seconds (and by `verify()` first). `verify()` recomputes the chain
and names the first entry altered or removed. An entry is tamper-evident from its seal on: between
its commit and the next seal (seconds) it is only an ordinary row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from yimen.core import batch
from yimen.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64
SEAL_BATCH = 2000


def _canonical(entry: AuditEntry) -> bytes:
    body = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "organisation": entry.organisation_id,
        "summary": entry.summary,
        "prev": entry.prev_hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if actor is None:
        return None, "系统"
    if isinstance(actor, str):
        return None, actor
    if not getattr(actor, "is_authenticated", False):
        return None, "公众"
    label = getattr(actor, "full_name", "") or actor.get_username()
    return actor.pk, label


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    actor: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    organisation_id: int | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Write one entry in the caller's transaction (inside a service under `batch.atomic`, with its
    other writes when it ends); `seal()` numbers and chains it. `actor` is a staff user, a label, or
    None (系统)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        if organisation_id is None:
            organisation_id = getattr(obj, "organisation_id", None)
    summary: dict[str, Any] = {}
    if before is not None:
        summary["before"] = _jsonable(before)
    if after is not None:
        summary["after"] = _jsonable(after)
    actor_id, actor_label = _actor_fields(actor)
    entry = AuditEntry(
        at=at or timezone.now(),
        actor_id=actor_id,
        actor_label=actor_label[:100],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        organisation_id=organisation_id,
        summary=summary,
    )
    batch.insert(entry)
    return entry


def seal(limit: int = SEAL_BATCH) -> int:
    """Number and chain the entries written since the last seal, oldest first; how many were sealed.

    One transaction per `limit` entries, under the chain head's row lock, so two sealers never number
    the same entry. Entries of transactions still open are not visible yet; the next seal takes them.
    """
    sealed = 0
    # A look first, outside a transaction: the worker asks every second, and on SQLite every write
    # transaction takes the database's one write lock.
    while AuditEntry.objects.filter(seq__isnull=True).exists():
        with transaction.atomic():
            head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
            entries = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:limit])
            for entry in entries:
                entry.seq, entry.prev_hash = head.seq + 1, head.hash
                entry.hash = entry_hash(entry)
                head.seq, head.hash = entry.seq, entry.hash
            if entries:
                AuditEntry.objects.bulk_update(entries, ["seq", "prev_hash", "hash"], batch_size=500)
                head.save(update_fields=["seq", "hash"])
        sealed += len(entries)
        if len(entries) < limit:
            break
    return sealed


def changes(
    instance: models.Model, fields: list[str], **new_values: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of the named fields, for a summary: only the fields whose value changes."""
    before, after = {}, {}
    for name in fields:
        old = getattr(instance, name)
        new = new_values.get(name, old)
        if old != new:
            before[name], after[name] = old, new
    return before, after


@dataclass(frozen=True)
class Breach:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"审计日志第 {self.seq} 条{self.problem}"


def _entries_in_order(batch: int = 2000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq or 0  # sealed: these rows have their numbers


def verify() -> tuple[int, Breach | None]:
    """Seal what is waiting, then walk the chain from the start; return how many entries checked out
    and the first breach."""
    seal()
    expected_seq, prev = 1, GENESIS
    checked = 0
    for entry in _entries_in_order():
        if entry.seq != expected_seq:
            return checked, Breach(expected_seq, "已被删除（序号缺失）")
        if entry.prev_hash != prev:
            return checked, Breach(entry.seq, "的前一条已被删除或篡改（链接不符）")
        if entry_hash(entry) != entry.hash:
            return checked, Breach(entry.seq, "的内容已被篡改（哈希不符）")
        checked += 1
        expected_seq, prev = entry.seq + 1, entry.hash
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.seq >= expected_seq:
        return checked, Breach(expected_seq, "已被删除（链尾缺失）")
    return checked, None
