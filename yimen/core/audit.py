"""The audit log: every change, append-only, each entry's hash chained to the one before.

An entry is written in the transaction of the change it records (with a service's other writes, see
`batch`), and sealed a moment later: `seal()` numbers the entries written since the last seal in the
order they were written and chains each one's hash to the one before. Writers never wait for each
other, so a busy centre's steps commit side by side; sealing is one short transaction for a whole
batch, run by the worker every few seconds (and by `verify()` first). Each sealed batch's head is signed
with a key outside the database into the anchor file (`audit_anchor`). `verify()` recomputes the chain,
holds it against the anchors and names the first entry altered or removed. An entry is tamper-evident
from its seal on: between its commit and the next seal (seconds) it is only an ordinary row, and one
left unsealed past the seal window is reported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from yimen.core import audit_anchor, batch
from yimen.core.identity import mask_id_number
from yimen.core.models import AuditEntry, AuditHead, audit_unguarded
from yimen.core.throttle import client_address

log = logging.getLogger("yimen.audit")

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


def address_of(request: HttpRequest) -> str:
    """The client's address as the audit log keeps it: behind the trusted proxies, the client's own."""
    return client_address(request)


_ID_NUMBER_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])|(?<![0-9])[0-9]{15}(?![0-9])")


def without_id_numbers(text: str) -> str:
    """Text for an audit entry with anything shaped like a 公民身份号码 masked (GB/T 22239-2019 8.1.4.3 b:
    no full ID number in the audit record), e.g. what a clerk typed into a search box."""
    return _ID_NUMBER_LIKE.sub(lambda m: mask_id_number(m.group()), text)


def record_read(request: HttpRequest, action: str, obj: models.Model, *, what: str = "") -> AuditEntry:
    """个人信息的查阅 (GB/T 22239-2019 8.1.4.3 a, 8.1.4.11 b): one entry (one insert) each time a staff member
    opens an applicant's personal data in full, with who, from which address, and which object. The object
    is named by its own `str` (a case's or a request's number), never by the applicant's ID number, phone or
    address (8.1.4.3 b)."""
    after = {"address": address_of(request)}
    if what:
        after["查阅"] = what
    return record(action, obj=obj, actor=request.user, after=after)


def seal(limit: int = SEAL_BATCH) -> int:
    """Number and chain the entries written since the last seal, oldest first; how many were sealed.

    One transaction per `limit` entries, under the chain head's row lock, so two sealers never number
    the same entry. Entries of transactions still open are not visible yet; the next seal takes them.
    Each batch's head is signed into the anchor file once its transaction has committed (`audit_anchor`):
    call this outside a transaction, as the worker and the commands do.
    """
    sealed = 0
    # A look first, outside a transaction: the worker asks every second, and on SQLite every write
    # transaction takes the database's one write lock.
    while AuditEntry.objects.filter(seq__isnull=True).exists():
        with transaction.atomic(), audit_unguarded():
            head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
            entries = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:limit])
            for entry in entries:
                entry.seq, entry.prev_hash = head.seq + 1, head.hash
                entry.hash = entry_hash(entry)
                head.seq, head.hash = entry.seq, entry.hash
            if entries:
                AuditEntry.objects.bulk_update(entries, ["seq", "prev_hash", "hash"], batch_size=500)
                head.save(update_fields=["seq", "hash"])
        if entries:
            _anchor("seal", seq=head.seq, head=head.hash, count=len(entries))
        sealed += len(entries)
        if len(entries) < limit:
            break
    return sealed


def _anchor(kind: str, **fields: Any) -> dict[str, Any] | None:
    """Sign a head into the anchor file. A failure to write it must not stop the sealing (nor the worker
    that seals): it is logged, and `verify` reports the entries left without an anchor past the window."""
    try:
        return audit_anchor.append(kind, **fields)
    except (OSError, ImproperlyConfigured):
        log.exception("审计锚点写入失败（第 %s 条）", fields.get("seq"))
        return None


def anchor_head() -> dict[str, Any]:
    """`yimen audit anchor`: sign the current head now (after sealing what waits), e.g. once after
    upgrading, or after a new anchor file was started; the signed line."""
    seal()
    head = AuditHead.objects.filter(pk=1).first()
    seq, digest = (head.seq, head.hash) if head is not None else (0, GENESIS)
    return audit_anchor.append("mark", seq=seq, head=digest, count=0)


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
        if not self.seq:  # not about a numbered entry
            return f"审计日志{self.problem}"
        return f"审计日志第 {self.seq} 条{self.problem}"


Problem = Breach | audit_anchor.BadLine


def _entries_in_order(after: int, batch: int = 2000) -> Iterator[AuditEntry]:
    last = after
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq or 0  # sealed: these rows have their numbers


def _late_unsealed(now: datetime, window: int) -> Breach | None:
    """An entry still unsealed `window` seconds after it was written: the sealer is not running, or the
    row was slipped in by hand; until its seal it is an ordinary row anyone with the database can change."""
    late = AuditEntry.objects.filter(seq__isnull=True, at__lt=now - timedelta(seconds=window))
    first = late.order_by("id").first()
    if first is None:
        return None
    return Breach(
        0,
        f"中有 {late.count()} 条超过封存时限 {window} 秒仍未封存（最早一条编号 {first.pk}，写于"
        f" {timezone.localtime(first.at):%Y-%m-%d %H:%M:%S}）：请检查后台进程 yimen worker 是否在运行",
    )


def _chain_start(first: int | None, archives: list[audit_anchor.Anchor]) -> tuple[int, str, Breach | None]:
    """Where the database's chain must begin: at 1, or right after an archived entry (its anchor's hash
    is the first entry's link)."""
    starts = {1: GENESIS} | {a.seq + 1: a.hash for a in archives}
    if first is None:
        last = max(starts)
        return last, starts[last], None
    if first in starts:
        return first, starts[first], None
    missing = max(start for start in starts if start < first)
    return first, "", Breach(missing, f"起至第 {first - 1} 条已被删除（链首缺失，且没有归档锚点）")


def inspect(
    extra_anchor_files: Sequence[Path] = (), *, now: datetime | None = None
) -> tuple[int, list[Problem]]:
    """Everything `verify` checks, every problem found: the anchor files' lines and MACs, the chain from its
    start (1, or after the archived part) through every anchor to the head, the entries left unsealed or
    unanchored past the seal window (YIMEN["AUDIT_SEAL_WINDOW_SECONDS"])."""
    now = now or timezone.now()
    window = settings.YIMEN["AUDIT_SEAL_WINDOW_SECONDS"]
    problems: list[Problem] = []
    late = _late_unsealed(now, window)  # before sealing them, which would hide how long they waited
    seal()
    anchors, bad = audit_anchor.read()
    for path in extra_anchor_files:
        more, more_bad = audit_anchor.read(Path(path))
        anchors += more
        bad += more_bad
    problems += bad
    at_seq: dict[int, list[audit_anchor.Anchor]] = {}
    for anchor in anchors:
        at_seq.setdefault(anchor.seq, []).append(anchor)
    first = AuditEntry.objects.filter(seq__isnull=False).order_by("seq").values_list("seq", flat=True).first()
    expected_seq, prev, broken = _chain_start(first, [a for a in anchors if a.kind == "archive"])
    anchored_to = expected_seq - 1
    checked = 0
    if broken is not None:
        problems.append(broken)
    else:
        for entry in _entries_in_order(expected_seq - 1):
            if entry.seq != expected_seq:
                broken = Breach(expected_seq, "已被删除（序号缺失）")
            elif entry.prev_hash != prev:
                broken = Breach(entry.seq, "的前一条已被删除或篡改（链接不符）")
            elif entry_hash(entry) != entry.hash:
                broken = Breach(entry.seq, "的内容已被篡改（哈希不符）")
            else:
                broken = _against_anchors(entry, expected_seq, at_seq.get(expected_seq, []), anchored_to)
            if broken is not None:
                problems.append(broken)
                break
            if expected_seq in at_seq:
                anchored_to = expected_seq
            checked += 1
            expected_seq, prev = expected_seq + 1, entry.hash
    if broken is None:
        problems += _tail(expected_seq - 1, anchors, anchored_to, now, window)
    if late is not None:
        problems.append(late)
    return checked, problems


def _against_anchors(
    entry: AuditEntry, seq: int, anchors: list[audit_anchor.Anchor], since: int
) -> Breach | None:
    """An anchor at this entry must carry its hash; if not, an entry since the previous anchor was changed."""
    for anchor in anchors:
        if anchor.hash != entry.hash:
            where = f"（与 {anchor.source} 第 {anchor.line} 行的签名锚点不符）"
            if since + 1 < seq:
                return Breach(since + 1, f"至第 {seq} 条之间有记录被改动后重算了哈希链{where}")
            return Breach(seq, f"被改动后重算了哈希链{where}")
    return None


def _tail(
    head: int, anchors: list[audit_anchor.Anchor], anchored_to: int, now: datetime, window: int
) -> list[Problem]:
    """The chain's end against the anchors: behind the last one is a cut tail; sealed entries past the last
    one are fine for a moment (the anchor is written after the seal commits), not past the window."""
    stored = AuditHead.objects.filter(pk=1).first()
    if stored is not None and stored.seq > head:
        return [Breach(head + 1, "已被删除（链尾缺失）")]
    last = max(anchors, key=lambda a: a.seq, default=None)
    if last is not None and last.seq > head:
        return [
            Breach(
                head + 1,
                f"起已被删除：链尾只到第 {head} 条，而签名锚点（{last.source} 第 {last.line} 行）"
                f"已记到第 {last.seq} 条",
            )
        ]
    if head > anchored_to:
        oldest = AuditEntry.objects.filter(seq=anchored_to + 1).values_list("at", flat=True).first()
        if oldest is not None and oldest < now - timedelta(seconds=window):
            return [
                Breach(
                    anchored_to + 1,
                    f"起 {head - anchored_to} 条封存已超过 {window} 秒仍无签名锚点"
                    "（锚点文件缺失、被删改或无法写入；确认无误后可用 yimen audit anchor 补签）",
                )
            ]
    return []


def verify(extra_anchor_files: Sequence[Path] = ()) -> tuple[int, Problem | None]:
    """Seal what is waiting, then walk the chain through its anchors; how many entries checked out and
    the first problem (`inspect` lists them all)."""
    checked, problems = inspect(extra_anchor_files)
    return checked, problems[0] if problems else None
