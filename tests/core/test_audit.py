"""The audit log is append-only and hash-chained; `yimen audit verify` finds the first tampered entry."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from yimen.core import audit
from yimen.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _three_entries(cast) -> list[AuditEntry]:
    """Three entries, written and sealed, as read back from the log."""
    written = [
        audit.record(
            "org.window_renamed", cast.window, actor=cast.admin, before={"name": "旧"}, after={"name": "新"}
        ),
        audit.record("auth.login", cast.clerk, actor=cast.clerk),
        audit.record(
            "calendar.day_set",
            actor="系统",
            object_type="core.calendarday",
            object_id="2024-11-08",
            object_repr="2024-11-08",
        ),
    ]
    assert audit.seal() == 3
    return [AuditEntry.objects.get(action=entry.action) for entry in written]


def test_an_entry_is_written_at_once_and_numbered_and_chained_when_sealed(cast) -> None:
    entry = audit.record("auth.login", cast.clerk, actor=cast.clerk)
    stored = AuditEntry.objects.get()
    assert (stored.seq, stored.hash, stored.action) == (None, "", "auth.login")
    assert "待封存" in str(stored)
    assert audit.seal() == 1 and audit.seal() == 0
    stored.refresh_from_db()
    assert stored.seq == 1 and stored.hash == audit.entry_hash(stored) and entry.action == stored.action


def test_entries_are_numbered_and_chained(cast) -> None:
    first, second, third = _three_entries(cast)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert first.actor_label == "周管理" and first.summary == {
        "before": {"name": "旧"},
        "after": {"name": "新"},
    }
    assert audit.verify() == (3, None)


def test_an_entry_records_the_objects_organisation(cast) -> None:
    entry = audit.record("auth.login", cast.clerk, actor=cast.clerk)
    assert entry.organisation_id == cast.market.pk
    assert entry.object_type == "org.staff" and entry.object_repr == "李窗口"


def test_entries_cannot_be_changed_or_deleted_through_the_model(cast) -> None:
    entry = _three_entries(cast)[0]
    entry.action = "something.else"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_names_the_entry_whose_content_was_altered(cast) -> None:
    _three_entries(cast)
    _raw("UPDATE core_auditentry SET actor_label = %s WHERE seq = %s", ["别人", 2])
    checked, breach = audit.verify()
    assert checked == 1
    assert str(breach) == "审计日志第 2 条的内容已被篡改（哈希不符）"


def test_verify_names_a_removed_entry(cast) -> None:
    _three_entries(cast)
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [2])
    assert str(audit.verify()[1]) == "审计日志第 2 条已被删除（序号缺失）"


def test_verify_notices_the_last_entry_removed(cast) -> None:
    _three_entries(cast)
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [3])
    assert str(audit.verify()[1]) == "审计日志第 3 条已被删除（链尾缺失）"


def test_verify_notices_a_rewritten_entry_with_a_recomputed_hash(cast) -> None:
    """Recomputing an altered entry's own hash does not help: the next entry's link no longer fits."""
    _three_entries(cast)
    entry = AuditEntry.objects.get(seq=2)
    entry.object_repr = "改过的"
    _raw(
        "UPDATE core_auditentry SET object_repr = %s, hash = %s WHERE seq = %s",
        ["改过的", audit.entry_hash(entry), 2],
    )
    assert str(audit.verify()[1]) == "审计日志第 3 条的前一条已被删除或篡改（链接不符）"


def test_yimen_audit_verify_command(cast) -> None:
    _three_entries(cast)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "审计日志完整：3 条" in out.getvalue()
    _raw("UPDATE core_auditentry SET summary = %s WHERE seq = %s", ['{"after": {"name": "假"}}', 1])
    with pytest.raises(CommandError, match="审计日志第 1 条的内容已被篡改"):
        call_command("audit", "verify", stdout=StringIO())
