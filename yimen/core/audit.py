"""The audit log: every change, append-only, each entry's hash chained to the one before.

Writers lock the chain's head row, so entries are numbered and hashed one after another even with
many writers; `verify()` recomputes the chain and names the first entry altered or removed.

The head row lock is held until the writer's transaction commits, so every writer waits for the one
before it to commit. A service keeps that wait short by running under `audit.atomic`: its entries are
held back and appended together as the transaction's last statements, just before the commit, instead
of at the point of `record()` with the rest of the service's statements still to run under the lock.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from django.db import models, transaction
from django.utils import timezone

from yimen.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64
P = ParamSpec("P")
R = TypeVar("R")


class _Queued:
    """An entry waiting for the end of a `deferred()` block.

    It is registered with `transaction.on_commit` as a no-op: Django drops the callbacks registered
    inside a savepoint that rolls back, so the entries still registered at the end are exactly those
    whose changes are still part of the transaction.
    """

    def __init__(self, entry: AuditEntry) -> None:
        self.entry = entry

    def __call__(self) -> None:
        pass


class _Pending(threading.local):
    """The entries recorded in this thread's outermost `deferred()` block, or None outside one."""

    queued: list[_Queued] | None = None


_pending = _Pending()


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
    """Append one entry in the caller's transaction, or, inside `deferred()` (a service under
    `audit.atomic`), when the block ends. `actor` is a staff user, a label, or None (系统)."""
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
    if _pending.queued is not None:
        queued = _Queued(entry)
        transaction.on_commit(queued)
        _pending.queued.append(queued)
    else:
        _append([entry])
    return entry


def _append(entries: list[AuditEntry]) -> None:
    """Number, link and write `entries` at the chain's head: one lock, one INSERT, one UPDATE."""
    if not entries:
        return
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        for entry in entries:
            entry.seq, entry.prev_hash = head.seq + 1, head.hash
            entry.hash = entry_hash(entry)
            head.seq, head.hash = entry.seq, entry.hash
        AuditEntry.objects.bulk_create(entries)
        head.save(update_fields=["seq", "hash"])


@contextmanager
def deferred() -> Iterator[None]:
    """Hold back the entries recorded inside the block; append them when it ends without an error.

    Only inside a transaction (`audit.atomic` opens both), so the entries are still written in the
    transaction of the change they record, as its last statements. Entries recorded inside a savepoint
    that rolls back are dropped with it. A nested block joins the outermost one. An entry that
    `record()` returned inside the block gets its `seq` and hash when the block ends.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.deferred() 只能在事务中使用")
    if _pending.queued is not None:
        yield
        return
    queued: list[_Queued] = []
    _pending.queued = queued
    try:
        yield
    finally:
        _pending.queued = None
    kept = {id(callback) for _, callback, _ in connection.run_on_commit}
    _append([q.entry for q in queued if id(q) in kept])


def atomic(func: Callable[P, R]) -> Callable[P, R]:
    """`transaction.atomic` for a service, with its audit entries appended just before the commit."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(), deferred():
            return func(*args, **kwargs)

    return wrapper


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
        last = rows[-1].seq


def verify() -> tuple[int, Breach | None]:
    """Walk the chain from the start; return how many entries checked out and the first breach."""
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
