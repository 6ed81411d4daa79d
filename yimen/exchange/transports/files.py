"""加密批量文件: each batch one SM4-encrypted ZIP dropped into the target's directory (in production a
mounted SFTP drop directory), for provinces that exchange files rather than rows or requests.

`<cd_batch>.zip.sm4` is nonce (12 bytes) ‖ SM4-GCM ciphertext ‖ tag (16 bytes) of a ZIP that holds one
`<table>.json` per table (JSON lines: one row per line, UTF-8, the bookkeeping fields included) and
`manifest.json`: {"batch", "created", "data_source", "entries": [{"name", "table", "rows", "sm3"}]},
`sm3` being the SM3 (GB/T 32905-2016) of the entry's bytes in hex. The key is the target's secret: 32
hexadecimal characters, a 128-bit SM4 (GB/T 32907-2016) key. `<cd_batch>.sm3` holds the SM3 of the
encrypted file (as `sm3sum` writes it: the hex digest, two spaces, the file's name) and is written last:
its presence says the batch is complete. Each file appears under its final name only whole: it is
written under a hidden temporary name, flushed to disk and renamed (`os.replace`, atomic on one file
system), so a receiver polling the directory never reads half a batch.

The receiver answers with receipts in `<dir>/feedback/*.json`: {"cd_batch", "accepted": [row_guid …],
"rejected": [{"row_guid", "err_type", "remark"}]}. A receipt is taken by moving it into `feedback/done/`
first (two workers never both take one); one that is no valid receipt goes to `feedback/invalid/` and is
logged, never silently dropped. `open_batch` is the receiving side: it decrypts a batch and checks every
digest, for the tests and for a province that takes Yimen's files.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import secrets
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.utils import timezone

from yimen.core.crypto import sm3
from yimen.exchange.models import Target
from yimen.exchange.transports import Feedback, Outcome, Outgoing

log = logging.getLogger(__name__)

NONCE_BYTES = 12
TAG_BYTES = 16
MANIFEST = "manifest.json"
ENCRYPTED = ".zip.sm4"
DIGEST = ".sm3"
FEEDBACK, DONE, INVALID = "feedback", "done", "invalid"
MAX_ENTRY_BYTES = 512 * 1024 * 1024  # a receiver refuses a ZIP entry larger than this (zip bomb)
_KEY = re.compile(r"^[0-9a-fA-F]{32}$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")  # a batch id or a table name, safe as a file name


class BatchError(ValueError):
    """A batch file that does not open or does not verify; the message says which check failed."""


def sm4_key(secret: str) -> bytes:
    """The target's secret as an SM4 key: 32 hexadecimal characters (128 bits)."""
    secret = secret.strip()
    if not _KEY.match(secret):
        raise BatchError("文件加密密钥：应为32位十六进制字符（128位 SM4 密钥）")
    return bytes.fromhex(secret)


def drop_directory(target: Target) -> Path:
    """The target's drop directory; it must exist (a mount that failed must not become a local folder)."""
    directory = Path(target.endpoint.removeprefix("file://"))
    if not directory.is_dir():
        raise FileNotFoundError(f"投放目录不存在或不是目录：{directory}")
    return directory


def _safe_name(name: str, what: str) -> str:
    if not _NAME.match(name) or name.startswith("."):
        raise BatchError(f"{what}：只能由字母、数字、下划线、点和连字符组成（{name!r}）")
    return name


def write_atomically(path: Path, data: bytes) -> None:
    """`data` under `path`, never partly: written to a hidden temporary name beside it, flushed, renamed."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with open(temporary, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """The rename itself on disk (a directory's entry is written when the directory is synced)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        # Some file systems (network mounts) cannot sync a directory; the rename stands all the same.
        with contextlib.suppress(OSError):
            os.fsync(handle)
    finally:
        os.close(handle)


def encrypt(plain: bytes, key: bytes) -> bytes:
    """nonce ‖ SM4-GCM ciphertext ‖ tag."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plain) + encryptor.finalize()
    return nonce + body + encryptor.tag


def decrypt(sealed: bytes, key: bytes) -> bytes:
    if len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise BatchError("解密失败：文件长度不足，已损坏")
    nonce, body, tag = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag:
        raise BatchError("解密失败：SM4-GCM 完整性校验不通过（密钥不对，或文件被改动）") from None


def pack(batch_id: str, rows: list[Outgoing], *, data_source: str) -> bytes:
    """The ZIP of one batch: a JSON-lines entry per table and the manifest with each entry's SM3."""
    tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        tables[_safe_name(row.table, "表名")].append(row.row)
    created = timezone.localtime()
    stamp = created.timetuple()[:6]
    entries = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in sorted(tables):
            data = "".join(
                json.dumps(row, ensure_ascii=False, sort_keys=True, default=str) + "\n"
                for row in tables[table]
            ).encode()
            name = f"{table}.json"
            archive.writestr(zipfile.ZipInfo(name, stamp), data, zipfile.ZIP_DEFLATED)
            entries.append({"name": name, "table": table, "rows": len(tables[table]), "sm3": sm3(data).hex()})
        manifest = {
            "batch": batch_id,
            "created": created.isoformat(timespec="seconds"),
            "data_source": data_source,
            "entries": entries,
        }
        archive.writestr(
            zipfile.ZipInfo(MANIFEST, stamp),
            json.dumps(manifest, ensure_ascii=False, indent=1).encode(),
            zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


class BatchFiles:
    """The files transport: `send` drops one encrypted file per batch, `feedback` reads the receipts."""

    def send(self, target: Target, batch: list[Outgoing]) -> list[Outcome]:
        directory = drop_directory(target)
        key = sm4_key(target.secret)
        by_batch: dict[str, list[Outgoing]] = defaultdict(list)
        for row in batch:  # one claim is one cd_batch; grouped all the same, so a file is one cd_batch
            by_batch[str(row.row.get("cd_batch", ""))].append(row)
        for batch_id, rows in by_batch.items():
            _safe_name(batch_id, "批次号")
            sealed = encrypt(pack(batch_id, rows, data_source=target.data_source), key)
            name = f"{batch_id}{ENCRYPTED}"
            write_atomically(directory / name, sealed)
            write_atomically(directory / f"{batch_id}{DIGEST}", f"{sm3(sealed).hex()}  {name}\n".encode())
        return [Outcome(row.delivery, "sent") for row in batch]

    def feedback(self, target: Target) -> list[Feedback]:
        inbox = drop_directory(target) / FEEDBACK
        if not inbox.is_dir():
            return []
        reports: list[Feedback] = []
        for receipt in sorted(inbox.glob("*.json")):
            taken = _move(receipt, inbox / DONE)
            if taken is None:
                continue  # another worker took it first
            try:
                reports.extend(read_receipt(taken.read_bytes()))
            except (ValueError, UnicodeDecodeError) as exc:
                log.error("exchange: receipt %s of %s is invalid: %s", receipt.name, target.code, exc)
                _move(taken, inbox / INVALID)
        return reports


def _move(path: Path, folder: Path) -> Path | None:
    """`path` moved into `folder` (under a new name if one is there already); None if it is gone."""
    folder.mkdir(exist_ok=True)
    destination = folder / path.name
    if destination.exists():
        destination = folder / f"{path.stem}.{uuid.uuid4().hex[:8]}{path.suffix}"
    try:
        os.replace(path, destination)
    except FileNotFoundError:
        return None
    return destination


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what}：应为字符串")
    return value


def read_receipt(data: bytes) -> list[Feedback]:
    """A receipt's word on each row, or ValueError naming what is wrong with it."""
    receipt = json.loads(data.decode("utf-8"))
    if not isinstance(receipt, dict):
        raise ValueError("回执：应为 JSON 对象")
    batch = _text(receipt.get("cd_batch"), "cd_batch")
    accepted = receipt.get("accepted", [])
    rejected = receipt.get("rejected", [])
    if not isinstance(accepted, list) or not isinstance(rejected, list):
        raise ValueError("accepted、rejected：应为数组")
    reports = [Feedback(_text(guid, "accepted[]"), batch, accepted=True) for guid in accepted]
    for entry in rejected:
        if not isinstance(entry, dict):
            raise ValueError("rejected[]：应为对象")
        reports.append(
            Feedback(
                _text(entry.get("row_guid"), "rejected[].row_guid"),
                batch,
                accepted=False,
                err_type=str(entry.get("err_type", "")),
                remark=str(entry.get("remark", "")),
            )
        )
    return reports


# --- the receiving side -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """An opened batch: its manifest and each table's rows, every digest verified."""

    batch: str
    created: str
    data_source: str
    manifest: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [row for table in sorted(self.tables) for row in self.tables[table]]


def open_batch(path: str | Path, key: str | bytes) -> Batch:
    """Decrypt `<cd_batch>.zip.sm4` with the 128-bit key (bytes, or 32 hex characters) and verify it: the
    SM3 in `<cd_batch>.sm3` beside it (when present), the GCM tag, the manifest's batch id against the file
    name, every entry's SM3 and row count, and no entry the manifest does not list. BatchError otherwise."""
    path = Path(path)
    sealed = path.read_bytes()
    if not path.name.endswith(ENCRYPTED):
        raise BatchError(f"文件名应以 {ENCRYPTED} 结尾：{path.name}")
    batch_id = path.name.removesuffix(ENCRYPTED)
    sidecar = path.with_name(f"{batch_id}{DIGEST}")
    if sidecar.exists():
        expected = sidecar.read_text(encoding="utf-8").split()
        if not expected or not secrets.compare_digest(expected[0].lower(), sm3(sealed).hex()):
            raise BatchError(
                f"SM3 摘要不符：{path.name} 与 {sidecar.name} 记载的摘要不一致（文件被改动或不完整）"
            )
    plain = decrypt(sealed, key if isinstance(key, bytes) else sm4_key(key))
    try:
        archive = zipfile.ZipFile(io.BytesIO(plain))
    except zipfile.BadZipFile:
        raise BatchError("解密后不是 ZIP 文件") from None
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            raise BatchError("批次文件缺少 manifest.json")
        manifest = json.loads(_read(archive, MANIFEST))
        if manifest.get("batch") != batch_id:
            raise BatchError(f"清单的批次号 {manifest.get('batch')!r} 与文件名 {batch_id!r} 不符")
        listed = {entry["name"] for entry in manifest.get("entries", [])}
        if extra := names - listed - {MANIFEST}:
            raise BatchError(f"批次文件含清单未列出的条目：{'、'.join(sorted(extra))}")
        tables: dict[str, list[dict[str, Any]]] = {}
        for entry in manifest.get("entries", []):
            if entry["name"] not in names:
                raise BatchError(f"清单列出的条目不存在：{entry['name']}")
            data = _read(archive, entry["name"])
            if not secrets.compare_digest(str(entry.get("sm3", "")).lower(), sm3(data).hex()):
                raise BatchError(f"条目 {entry['name']} 的 SM3 摘要与清单不符")
            rows = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
            if len(rows) != entry.get("rows"):
                raise BatchError(f"条目 {entry['name']} 有 {len(rows)} 行，清单记为 {entry.get('rows')} 行")
            tables[str(entry.get("table") or entry["name"].removesuffix(".json"))] = rows
    return Batch(
        batch=batch_id,
        created=str(manifest.get("created", "")),
        data_source=str(manifest.get("data_source", "")),
        manifest=manifest,
        tables=tables,
    )


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    if archive.getinfo(name).file_size > MAX_ENTRY_BYTES:
        raise BatchError(f"条目 {name} 过大（超过 {MAX_ENTRY_BYTES // 1024 // 1024} MB）")
    return archive.read(name)
