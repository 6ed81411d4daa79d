"""Retention of the audit log: entries are kept in the database at least 180 days (网络安全法第二十一条(三):
"留存相关的网络日志不少于六个月"; GB/T 22239-2019 8.1.5.4 审计记录的留存时间符合法律法规要求), then moved
to an archive file without breaking the chain.

`archive_before` takes the chain's oldest entries up to the last one written before the cut-off, writes them
(JSON lines, each with its number, link and hash) to a file in YIMEN["AUDIT_ARCHIVE_DIR"] together with the
anchors that cover them, signs the last archived entry's hash into the anchor file as an "archive" anchor
(with the file's SHA-256), and only then removes them from the database. `verify` then starts the chain
right after that anchor. Nothing younger than 180 days is ever removed, whatever the setting or the caller.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yimen.core import audit, audit_anchor
from yimen.core.errors import ApplicationError
from yimen.core.models import AuditEntry, audit_unguarded


@dataclass(frozen=True)
class Archived:
    first: int
    last: int
    path: Path
    cutoff: datetime

    @property
    def count(self) -> int:
        return self.last - self.first + 1


def cutoff(days: int, now: datetime | None = None) -> datetime:
    """The start of the local day `days` days before today: entries written before it may go. Refused
    below the legal minimum of 180 days (settings.AUDIT_MIN_RETENTION_DAYS)."""
    minimum = settings.AUDIT_MIN_RETENTION_DAYS
    if days < minimum:
        raise ApplicationError(
            f"保留天数：不得少于 {minimum} 天（网络安全法第二十一条：网络日志留存不少于六个月），"
            f"填写的是 {days} 天"
        )
    today = timezone.localtime(now or timezone.now()).date()
    return timezone.make_aware(datetime.combine(today - timedelta(days=days), time.min))


def _line(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str) + "\n"


def _entry_fields(entry: AuditEntry) -> dict[str, Any]:
    body = json.loads(audit._canonical(entry))
    return {"kind": "entry", **body, "hash": entry.hash}


def archive_before(days: int | None = None, *, now: datetime | None = None) -> Archived | None:
    """Archive and remove the entries written before `cutoff(days)` (default YIMEN["AUDIT_RETENTION_DAYS"]);
    None when none is old enough. Refused while the chain does not verify: an archive must start from a
    sound chain."""
    days = settings.YIMEN["AUDIT_RETENTION_DAYS"] if days is None else days
    before = cutoff(days, now)
    checked, problem = audit.verify()
    if problem is not None:
        raise ApplicationError(f"审计日志校验未通过，不能归档：{problem}")
    sealed = AuditEntry.objects.filter(seq__isnull=False)
    first = sealed.order_by("seq").first()
    if first is None or first.at >= before:
        return None
    assert first.seq is not None
    # The chain is cut after the last entry of the unbroken run written before the cut-off: an older entry
    # sealed after a younger one waits for the next run.
    young = sealed.filter(at__gte=before).order_by("seq").values_list("seq", flat=True).first()
    newest = sealed.order_by("-seq").values_list("seq", flat=True)[0]
    last = int(young - 1 if young is not None else newest or 0)
    entries = sealed.filter(seq__gte=first.seq, seq__lte=last).order_by("seq")
    last_entry = entries.last()
    assert last_entry is not None
    folder = Path(settings.YIMEN["AUDIT_ARCHIVE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"audit-{first.seq:010d}-{last:010d}.jsonl"
    digest = hashlib.sha256()
    with path.open("x", encoding="utf-8") as out:
        header = {
            "kind": "header",
            "first": first.seq,
            "last": last,
            "prev": first.prev_hash,
            "cutoff": before.isoformat(),
            "retention_days": days,
        }
        entry_lines = (_line(_entry_fields(e)) for e in entries.iterator(chunk_size=2000))
        # Then the signed anchors, as they stand in the anchor file, that vouch for these entries: those
        # inside the range and the first one after it.
        for text in [_line(header), *entry_lines, *audit_anchor.lines_covering(first.seq, last)]:
            out.write(text)
            digest.update(text.encode())
        out.flush()
        os.fsync(out.fileno())
    audit_anchor.append(
        "archive",
        seq=last,
        head=last_entry.hash,
        count=last - first.seq + 1,
        first=first.seq,
        file=path.name,
        sha256=digest.hexdigest(),
    )
    with transaction.atomic(), audit_unguarded():
        entries.delete()
    audit.record(
        "audit.archived",
        actor="系统",
        object_type="core.auditentry",
        object_id=f"{first.seq}-{last}",
        object_repr=f"审计日志第 {first.seq}–{last} 条",
        after={"file": path.name, "cutoff": before.isoformat(), "retention_days": days, "checked": checked},
    )
    audit.seal()
    return Archived(first.seq, last, path, before)
