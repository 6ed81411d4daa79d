"""The audit log stays in the database at least 180 days (网络安全法第二十一条); the retention command moves
older entries to an archive file with the anchors that cover them, and the chain still verifies after."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from yimen.core import audit, audit_anchor, audit_retention
from yimen.core.errors import ApplicationError
from yimen.core.models import AuditEntry, audit_unguarded

pytestmark = pytest.mark.django_db

TODAY = timezone.make_aware(datetime(2026, 12, 7, 10, 0))


def _at(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


def _write(when: str, name: str) -> None:
    audit.record(
        "test.noted", actor="系统", object_type="test", object_id=name, object_repr=name, at=_at(when)
    )
    audit.seal()


def _worked_example() -> None:
    """Written in order, each sealed and anchored at once."""
    _write("2026-05-01 09:00", "五月")
    _write("2026-06-09 23:59:59", "六月九日深夜")
    _write("2026-06-10 00:00", "六月十日零点")
    _write("2026-12-01 09:00", "十二月")


def test_the_cutoff_is_180_days_before_today_at_midnight() -> None:
    """2026-12-07 less 180 days: 7 days of December, 30 of November, 31 of October, 30 of September, 31 of
    August, 31 of July make 160; 20 more days back from 30 June is 10 June 2026."""
    assert audit_retention.cutoff(180, TODAY) == _at("2026-06-10 00:00")
    assert audit_retention.cutoff(365, TODAY) == _at("2025-12-07 00:00")


@pytest.mark.parametrize("days", [179, 30, 0, -1])
def test_a_retention_under_180_days_is_refused(days: int) -> None:
    with pytest.raises(ApplicationError, match="保留天数：不得少于 180 天（网络安全法第二十一条"):
        audit_retention.cutoff(days, TODAY)


def test_the_worked_example_archives_what_is_older_and_keeps_the_rest() -> None:
    _worked_example()
    done = audit_retention.archive_before(180, now=TODAY)
    assert done is not None and (done.first, done.last, done.count) == (1, 2, 2)
    kept = list(
        AuditEntry.objects.filter(seq__isnull=False).order_by("seq").values_list("seq", "object_repr")
    )
    assert kept[:2] == [(3, "六月十日零点"), (4, "十二月")]
    assert kept[2][0] == 5  # the archiving itself, recorded in the chain
    assert AuditEntry.objects.get(seq=5).action == "audit.archived"
    assert audit.verify() == (3, None)  # from the archived anchor on: 3, 4 and the record of the archiving


def test_the_archive_holds_the_entries_and_the_anchors_that_vouch_for_them() -> None:
    _worked_example()
    done = audit_retention.archive_before(180, now=TODAY)
    assert done is not None
    lines = [json.loads(t) for t in done.path.read_text().splitlines()]
    assert lines[0] == {
        "kind": "header",
        "first": 1,
        "last": 2,
        "prev": audit.GENESIS,
        "cutoff": "2026-06-10T00:00:00+08:00",
        "retention_days": 180,
    }
    entries = [line for line in lines if line["kind"] == "entry"]
    assert [(e["seq"], e["object_repr"]) for e in entries] == [(1, "五月"), (2, "六月九日深夜")]
    assert entries[1]["prev"] == entries[0]["hash"]
    signed = [line for line in lines if line["kind"] == "seal"]
    assert [a["seq"] for a in signed] == [1, 2]
    assert all(a["mac"] == audit_anchor.mac(a) for a in signed)
    archive_anchor = [a for a in audit_anchor.read()[0] if a.kind == "archive"]
    assert [(a.seq, a.hash) for a in archive_anchor] == [(2, entries[1]["hash"])]
    stored = json.loads(audit_anchor.anchor_path().read_text().splitlines()[archive_anchor[0].line - 1])
    assert stored["file"] == done.path.name
    assert stored["sha256"] == hashlib.sha256(done.path.read_bytes()).hexdigest()


def test_nothing_younger_than_the_retention_is_removed() -> None:
    _write("2026-06-10 00:00", "六月十日零点")
    _write("2026-12-01 09:00", "十二月")
    assert audit_retention.archive_before(180, now=TODAY) is None
    assert AuditEntry.objects.count() == 2


def test_a_second_run_continues_from_the_first_archive() -> None:
    _worked_example()
    audit_retention.archive_before(180, now=TODAY)
    later = timezone.make_aware(datetime(2027, 6, 30, 10, 0))  # 180 days back: 2027-01-01
    done = audit_retention.archive_before(180, now=later)
    # 3 and 4, and 5: the record of the first run (written now, before 2027-01-01)
    assert done is not None and (done.first, done.last) == (3, 5)
    assert list(AuditEntry.objects.values_list("seq", "action")) == [(6, "audit.archived")]
    assert audit.verify() == (1, None)


def test_removing_entries_without_an_archive_anchor_is_reported() -> None:
    _worked_example()
    with audit_unguarded():
        AuditEntry.objects.filter(seq__lte=2).delete()
    assert str(audit.verify()[1]) == "审计日志第 1 条起至第 2 条已被删除（链首缺失，且没有归档锚点）"


def test_archiving_is_refused_while_the_chain_is_broken() -> None:
    _worked_example()
    audit_anchor.anchor_path().unlink()
    lines_before = AuditEntry.objects.count()
    with pytest.raises(
        ApplicationError, match="审计日志校验未通过，不能归档：审计日志第 1 条起 4 条封存已超过"
    ):
        audit_retention.archive_before(180, now=TODAY)
    assert AuditEntry.objects.count() == lines_before


def test_the_retain_command_refuses_fewer_than_180_days() -> None:
    _worked_example()
    with pytest.raises(CommandError, match="保留天数：不得少于 180 天"):
        call_command("audit", "retain", "--days", "30", stdout=StringIO())
    assert AuditEntry.objects.count() == 4


def test_the_retain_command_archives_by_the_configured_retention() -> None:
    _write("2020-01-01 09:00", "很久以前")
    _write(timezone.now().isoformat()[:19], "今天")
    out = StringIO()
    call_command("audit", "retain", stdout=out)
    assert "已归档审计日志第 1–1 条（1 条" in out.getvalue()
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "审计日志完整：2 条" in out.getvalue()


def test_a_retention_setting_under_180_days_stops_the_start(tmp_path: Path) -> None:
    env = {**os.environ, "YIMEN_AUDIT_RETENTION_DAYS": "90", "YIMEN_VAR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", "import yimen.settings"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "YIMEN_AUDIT_RETENTION_DAYS=90 过短：审计日志至少留存 180 天" in done.stderr
