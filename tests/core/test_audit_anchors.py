"""The audit chain is anchored outside the database: someone who can write the database but does not hold the
key can no longer cut the tail or rewrite an entry and recompute the chain without `yimen audit verify`
noticing (GB/T 22239-2019 8.1.4.3 c)."""

from __future__ import annotations

import json
import logging
import stat
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from yimen.core import audit, audit_anchor
from yimen.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _note(n: int) -> None:
    audit.record("test.noted", actor="系统", object_type="test", object_id=str(n), object_repr=f"第{n}件")


def _sealed_one_by_one(count: int) -> None:
    """`count` entries, each sealed (and anchored) in a batch of its own, as a quiet worker does."""
    for n in range(1, count + 1):
        _note(n)
        assert audit.seal() == 1


def _rechain_from(seq: int) -> None:
    """What a forger with the database but no key does: recompute every link and hash from `seq` on, and the
    head, so the chain in the database checks out again."""
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else audit.GENESIS
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        entry.prev_hash = prev
        entry.hash = audit.entry_hash(entry)
        _raw(
            "UPDATE core_auditentry SET prev_hash = %s, hash = %s WHERE seq = %s",
            [prev, entry.hash, entry.seq],
        )
        prev = entry.hash
    _raw("UPDATE core_audithead SET hash = %s", [prev])


def _anchor_file() -> Path:
    return audit_anchor.anchor_path()


def _verify_text() -> str:
    return str(audit.verify()[1])


def test_each_sealed_batch_is_signed_into_the_anchor_file_and_the_log(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="yimen.audit"):
        _sealed_one_by_one(2)
        for n in (3, 4, 5):
            _note(n)
        assert audit.seal() == 3
    lines = [json.loads(text) for text in _anchor_file().read_text().splitlines()]
    assert [(a["kind"], a["seq"], a["count"]) for a in lines] == [
        ("seal", 1, 1),
        ("seal", 2, 1),
        ("seal", 5, 3),
    ]
    assert lines[-1]["hash"] == AuditEntry.objects.get(seq=5).hash
    assert lines[-1]["mac"] == audit_anchor.mac(lines[-1]) and len(lines[-1]["mac"]) == 64
    assert sum("审计锚点" in r.getMessage() and '"seq":5' in r.getMessage() for r in caplog.records) == 1
    assert audit.verify() == (5, None)


def test_deleting_the_last_entries_and_moving_the_head_back_is_reported() -> None:
    _sealed_one_by_one(3)
    for n in (4, 5):
        _note(n)
    audit.seal()
    _raw("DELETE FROM core_auditentry WHERE seq > %s", [2])
    second = AuditEntry.objects.get(seq=2)
    _raw("UPDATE core_audithead SET seq = %s, hash = %s", [2, second.hash])
    assert audit.verify()[0] == 2
    assert _verify_text() == (
        "审计日志第 3 条起已被删除：链尾只到第 2 条，而签名锚点（audit-anchors.jsonl 第 4 行）已记到第 5 条"
    )


def test_an_edited_entry_with_the_chain_recomputed_is_reported_by_number() -> None:
    _sealed_one_by_one(4)
    _raw("UPDATE core_auditentry SET actor_label = %s WHERE seq = %s", ["别人", 2])
    _rechain_from(2)
    assert (
        _verify_text()
        == "审计日志第 2 条被改动后重算了哈希链（与 audit-anchors.jsonl 第 2 行的签名锚点不符）"
    )


def test_an_edit_inside_a_batch_is_reported_with_the_batchs_numbers() -> None:
    _sealed_one_by_one(1)
    for n in (2, 3, 4):
        _note(n)
    audit.seal()  # entries 2–4 in one batch: one anchor, at 4
    _raw("UPDATE core_auditentry SET object_repr = %s WHERE seq = %s", ["改过的", 3])
    _rechain_from(3)
    assert audit.verify()[0] == 3
    assert _verify_text() == (
        "审计日志第 2 条至第 4 条之间有记录被改动后重算了哈希链（与 audit-anchors.jsonl 第 2 行的签名锚点不符）"
    )


def test_a_forged_anchor_line_is_reported() -> None:
    _sealed_one_by_one(2)
    forged = {"kind": "seal", "seq": 9, "hash": "ab" * 32, "count": 1, "at": timezone.now().isoformat()}
    forged["mac"] = audit_anchor.mac(forged, b"a key that is not the server's key!!")
    with _anchor_file().open("a") as out:
        out.write(json.dumps(forged) + "\n")
    assert _verify_text() == (
        "审计日志第 9 条的签名锚点（audit-anchors.jsonl 第 3 行）签名不符：锚点被伪造或篡改，或签名密钥已更换"
    )


def test_an_anchor_line_changed_to_fit_a_cut_chain_is_reported() -> None:
    _sealed_one_by_one(3)
    lines = _anchor_file().read_text().splitlines()
    last = json.loads(lines[-1])
    last["seq"] = 2  # the forger moves the last anchor back with the head; the MAC no longer fits
    _anchor_file().write_text("\n".join([*lines[:-1], json.dumps(last)]) + "\n")
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [3])
    _raw("UPDATE core_audithead SET seq = 2, hash = %s", [AuditEntry.objects.get(seq=2).hash])
    assert "（audit-anchors.jsonl 第 3 行）签名不符" in _verify_text()


def test_an_entry_left_unsealed_past_the_seal_window_is_reported(settings) -> None:
    _sealed_one_by_one(1)
    late = timezone.now() - timedelta(seconds=settings.YIMEN["AUDIT_SEAL_WINDOW_SECONDS"] + 1)
    audit.record("test.noted", actor="系统", object_type="test", object_id="x", at=late)
    waiting = AuditEntry.objects.get(seq__isnull=True)
    checked, problem = audit.verify()
    assert checked == 2  # sealed now, and chained
    assert str(problem) == (
        f"审计日志中有 1 条超过封存时限 300 秒仍未封存（最早一条编号 {waiting.pk}，写于"
        f" {timezone.localtime(late):%Y-%m-%d %H:%M:%S}）：请检查后台进程 yimen worker 是否在运行"
    )


def test_an_entry_written_a_moment_ago_may_wait_for_its_seal() -> None:
    audit.record("test.noted", actor="系统", object_type="test", object_id="x")
    assert audit.verify() == (1, None)


def test_sealed_entries_without_an_anchor_past_the_window_are_reported_until_anchored(settings) -> None:
    old = timezone.now() - timedelta(hours=1)
    for n in range(3):
        audit.record("test.noted", actor="系统", object_type="test", object_id=str(n), at=old)
    audit.seal()
    _anchor_file().unlink()  # the anchor file lost, or deleted to hide a cut
    assert _verify_text() == (
        "审计日志第 1 条起 3 条封存已超过 300 秒仍无签名锚点"
        "（锚点文件缺失、被删改或无法写入；确认无误后可用 yimen audit anchor 补签）"
    )
    out = StringIO()
    call_command("audit", "anchor", stdout=out)
    assert "已签名锚定审计日志第 3 条" in out.getvalue()
    assert audit.verify() == (3, None)


def test_a_copy_of_the_days_anchors_catches_a_cut_of_both_database_and_anchor_file(tmp_path: Path) -> None:
    _sealed_one_by_one(3)
    today = timezone.localdate()
    kept = tmp_path / "kept.jsonl"
    out = StringIO()
    call_command("audit", "anchor", "--export", today.isoformat(), "--output", str(kept), stdout=out)
    assert f"已导出 {today} 的 3 条签名锚点" in out.getvalue()
    assert [json.loads(t)["seq"] for t in kept.read_text().splitlines()] == [1, 2, 3]
    # The forger cuts the last entry, moves the head back, and drops the last anchor line too.
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [3])
    _raw("UPDATE core_audithead SET seq = 2, hash = %s", [AuditEntry.objects.get(seq=2).hash])
    lines = _anchor_file().read_text().splitlines()
    _anchor_file().write_text("\n".join(lines[:2]) + "\n")
    assert audit.verify() == (2, None)  # the live file alone is fooled
    with pytest.raises(
        CommandError, match=r"审计日志第 3 条起已被删除：链尾只到第 2 条.*kept\.jsonl 第 3 行"
    ):
        call_command("audit", "verify", "--anchors", str(kept), stdout=StringIO(), stderr=StringIO())


def test_export_of_a_day_without_anchors_says_so() -> None:
    with pytest.raises(CommandError, match="2020-01-01 没有签名锚点"):
        call_command("audit", "anchor", "--export", "2020-01-01", stdout=StringIO())
    with pytest.raises(CommandError, match="--export：日期应写成 YYYY-MM-DD"):
        call_command("audit", "anchor", "--export", "7.12.2026", stdout=StringIO())


def test_verify_command_fails_with_a_message_on_a_cut_tail() -> None:
    _sealed_one_by_one(2)
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [2])
    _raw("UPDATE core_audithead SET seq = 1, hash = %s", [AuditEntry.objects.get(seq=1).hash])
    with pytest.raises(CommandError, match=r"审计日志第 2 条起已被删除.*（此前 1 条校验通过）"):
        call_command("audit", "verify", stdout=StringIO(), stderr=StringIO())


def test_a_missing_key_file_is_generated_readable_by_its_owner_only(settings, tmp_path: Path) -> None:
    key_file = tmp_path / "audit.key"
    settings.YIMEN = {**settings.YIMEN, "AUDIT_KEY": "", "AUDIT_KEY_FILE": str(key_file)}
    first = audit_anchor.key()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(first) == 64
    assert audit_anchor.key() == first  # kept, not generated again
    key_file.chmod(0o644)
    with pytest.raises(ImproperlyConfigured, match=f"可被其他用户读取：请执行 chmod 600 {key_file}"):
        audit_anchor.key()


def test_a_short_key_is_refused(settings) -> None:
    settings.YIMEN = {**settings.YIMEN, "AUDIT_KEY": "short"}
    with pytest.raises(ImproperlyConfigured, match="YIMEN_AUDIT_KEY 过短"):
        audit_anchor.key()


def test_the_key_is_not_in_the_database() -> None:
    _sealed_one_by_one(1)
    secret = audit_anchor.key().decode()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            assert not any(secret in str(row) for row in cursor.fetchall()), table


def test_a_snapshots_anchor_copy_fits_the_restored_database_and_the_live_file_tells_what_it_lost(
    settings, tmp_path: Path
) -> None:
    """How a backup keeps its anchors: up to the snapshot's head, plus a signed mark of that head."""
    _sealed_one_by_one(2)
    head = AuditEntry.objects.get(seq=2)
    copy = tmp_path / "backup-anchors.jsonl"
    _note(3)
    audit.seal()  # the worker seals on after the snapshot
    assert audit_anchor.copy_for_snapshot(copy, seq=2, head=head.hash) == 3
    live = Path(settings.YIMEN["AUDIT_ANCHOR_FILE"])
    # The restore: the snapshot's rows (entry 3 was never in it) and the backup's anchor file.
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [3])
    _raw("UPDATE core_audithead SET seq = 2, hash = %s", [head.hash])
    settings.YIMEN = {**settings.YIMEN, "AUDIT_ANCHOR_FILE": str(copy)}
    assert audit.verify() == (2, None)
    assert [json.loads(t)["kind"] for t in copy.read_text().splitlines()] == ["seal", "seal", "mark"]
    # Against the live server's anchors, the commits the backup lost show.
    assert str(audit.verify([live])[1]).startswith("审计日志第 3 条起已被删除：链尾只到第 2 条")
