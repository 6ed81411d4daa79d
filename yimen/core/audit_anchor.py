"""The audit chain anchored outside the database (GB/T 22239-2019 8.1.4.3 c: 审计记录应受到保护，避免受到未预期的
删除、修改或覆盖).

The hash chain alone proves nothing against someone who can write the database: deleting the last entries
and moving the head back, or editing an entry and recomputing every hash after it, leaves a chain that
checks out. So each sealed batch's head (its last number and hash) is signed with HMAC-SM3 under a key kept
outside the database, and the signed head is appended as one JSON line to the anchor file and written to the
log. `audit.verify()` then demands that the chain pass through every anchor: a head behind the last anchor
is a truncated tail, a hash that differs from its anchor's is an edited and rechained entry, a line whose
MAC fails was forged. A copy of a day's anchors kept by the 审计管理员 (`export_day`) protects even against
someone who can also rewrite the anchor file.

Line kinds: "seal" (a batch sealed), "mark" (the head anchored by hand, `yimen audit anchor`), "archive"
(entries up to `seq` moved to an archive file by the retention command; the chain in the database starts
after it).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

log = logging.getLogger("yimen.audit")

KEY_BYTES = 32
MIN_KEY_CHARS = 32
KINDS = frozenset({"seal", "mark", "archive"})


def _key_from_file(path: Path) -> bytes:
    """The key file's bytes; generated (32 random bytes, hex, mode 0600) when it does not exist yet."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(os.urandom(KEY_BYTES).hex())
        log.warning("已生成审计签名密钥文件 %s（权限 0600）：请把它与数据库分开备份", path)
    if path.stat().st_mode & 0o077:
        raise ImproperlyConfigured(
            f"审计签名密钥文件 {path} 可被其他用户读取：请执行 chmod 600 {path}，只让运行 Yimen 的用户读取"
        )
    key = path.read_text().strip()
    if len(key) < MIN_KEY_CHARS:
        raise ImproperlyConfigured(f"审计签名密钥文件 {path} 的内容过短：至少 {MIN_KEY_CHARS} 个字符")
    return key.encode()


def key() -> bytes:
    """YIMEN_AUDIT_KEY, else the key file YIMEN_AUDIT_KEY_FILE. Never kept in the database."""
    conf = settings.YIMEN
    if value := conf["AUDIT_KEY"]:
        if len(value) < MIN_KEY_CHARS:
            raise ImproperlyConfigured(
                f"环境变量 YIMEN_AUDIT_KEY 过短：至少 {MIN_KEY_CHARS} 个字符（可用 openssl rand -hex 32 生成）"
            )
        return str(value).encode()
    return _key_from_file(Path(conf["AUDIT_KEY_FILE"]))


def anchor_path() -> Path:
    return Path(settings.YIMEN["AUDIT_ANCHOR_FILE"])


def _body(fields: dict[str, Any]) -> bytes:
    signed = {name: value for name, value in fields.items() if name != "mac"}
    return json.dumps(signed, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def mac(fields: dict[str, Any], secret: bytes | None = None) -> str:
    """HMAC-SM3 (GB/T 32905-2016) of the line's fields other than the MAC itself."""
    signer = hmac.HMAC(secret or key(), hashes.SM3())
    signer.update(_body(fields))
    return signer.finalize().hex()


def _mac_fits(fields: dict[str, Any], secret: bytes) -> bool:
    checker = hmac.HMAC(secret, hashes.SM3())
    checker.update(_body(fields))
    try:
        checker.verify(bytes.fromhex(str(fields.get("mac", ""))))
    except (InvalidSignature, ValueError):
        return False
    return True


def append(
    kind: str, *, seq: int, head: str, count: int, path: Path | None = None, **extra: Any
) -> dict[str, Any]:
    """Sign a chain head and append it to the anchor file (under an exclusive lock, flushed to disk) and to
    the log. Called after the transaction that sealed the head has committed."""
    fields: dict[str, Any] = {
        "kind": kind,
        "seq": seq,
        "hash": head,
        "count": count,
        "at": timezone.now().isoformat(timespec="microseconds"),
        **extra,
    }
    fields["mac"] = mac(fields)
    line = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    path = path or anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock
    log.info("审计锚点 %s", line)
    return fields


@dataclass(frozen=True)
class Anchor:
    line: int  # in its file, from 1
    kind: str
    seq: int
    hash: str
    count: int
    at: datetime
    source: str


@dataclass(frozen=True)
class BadLine:
    source: str
    line: int
    seq: int
    problem: str

    def __str__(self) -> str:
        where = f"（{self.source} 第 {self.line} 行）"
        if self.seq:
            return f"审计日志第 {self.seq} 条的签名锚点{where}{self.problem}"
        return f"审计锚点{where}{self.problem}"


def _parse(source: str, number: int, text: str, secret: bytes) -> Anchor | BadLine:
    try:
        fields = json.loads(text)
        kind, seq, head, count = fields["kind"], int(fields["seq"]), str(fields["hash"]), int(fields["count"])
        at = datetime.fromisoformat(fields["at"])
    except (ValueError, KeyError, TypeError):
        return BadLine(source, number, 0, "无法解读：锚点文件被改动或损坏")
    if kind not in KINDS or seq < 0:
        return BadLine(source, number, max(seq, 0), "无法解读：锚点文件被改动或损坏")
    if not _mac_fits(fields, secret):
        return BadLine(source, number, seq, "签名不符：锚点被伪造或篡改，或签名密钥已更换")
    return Anchor(number, kind, seq, head, count, at, source)


def read(path: Path | None = None) -> tuple[list[Anchor], list[BadLine]]:
    """Every line of an anchor file, checked; a missing file has none."""
    path = path or anchor_path()
    if not path.exists():
        return [], []
    secret = key()
    anchors: list[Anchor] = []
    bad: list[BadLine] = []
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            parsed = _parse(path.name, number, text, secret)
            (anchors if isinstance(parsed, Anchor) else bad).append(parsed)  # type: ignore[arg-type]
    return anchors, bad


def export_day(day: date, path: Path | None = None) -> str:
    """The anchors written on `day` (local time) as they stand in the file, for the 审计管理员 to keep
    outside the system; `yimen audit verify --anchors FILE` checks the database against such a copy."""
    path = path or anchor_path()
    anchors, _ = read(path)
    wanted = {a.line for a in anchors if timezone.localtime(a.at).date() == day}
    if not wanted:
        return ""
    with path.open(encoding="utf-8") as lines:
        return "".join(text for number, text in enumerate(lines, start=1) if number in wanted)


def lines_covering(first: int, last: int) -> list[str]:
    """The signed lines, as written, of the valid anchors from `first` to `last` and the first one after."""
    anchors, _ = read()
    after = min((a.seq for a in anchors if a.seq >= last), default=last)
    wanted = {a.line for a in anchors if first <= a.seq <= after}
    if not wanted:
        return []
    with anchor_path().open(encoding="utf-8") as lines:
        return [text for number, text in enumerate(lines, start=1) if number in wanted]


def copy_for_snapshot(dest: Path, *, seq: int, head: str) -> int:
    """An anchor file that fits a copy of the database whose chain head is (`seq`, `head`): the anchors up to
    it, as written, and a signed "mark" of that head. For backups: the live file runs ahead of a snapshot
    (the worker goes on sealing), and a restore checked against it would look cut. How many lines."""
    anchors, _ = read()
    wanted = {a.line for a in anchors if a.seq <= seq}
    lines: list[str] = []
    if wanted:
        with anchor_path().open(encoding="utf-8") as source:
            lines = [text for number, text in enumerate(source, start=1) if number in wanted]
    dest.write_text("".join(lines), encoding="utf-8")
    append("mark", seq=seq, head=head, count=0, path=dest)
    return len(lines) + 1
