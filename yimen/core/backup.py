"""Backups of the database and the stored files, and restores that prove themselves (GB/T 22239-2019
8.1.4.9 a: 应提供重要数据的本地数据备份与恢复功能).

A backup is a directory: the database (SQLite through its online backup API, never a copy of the live
file, whose last commits may still sit in the write-ahead log; PostgreSQL through `pg_dump -Fc`), the
stored files with each one's SHA-256, the audit anchors (kept outside the database) that fit the copy,
and `manifest.json`: the rows of every table and the audit chain's head *as they are in
the copy*, the time, Yimen's version, the database vendor and the fingerprints of the keys. The keys
themselves are not in it unless asked for, and then in a file of their own (0600).

A restore writes into an empty database and an empty files directory, then checks the result against
the manifest (rows per table, the audit head, every file's SHA-256), runs `yimen audit verify` and
compares the configured keys' fingerprints; each difference is named.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from io import StringIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from yimen.core import audit, audit_anchor, crypto
from yimen.core.models import AuditEntry, AuditHead

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
FILES_DIR = "files"
ANCHORS_FILE = "audit-anchors.jsonl"
KEYS_FILE = "keys.json"
CHUNK = 1024 * 1024

KEYS_WARNING = (
    "警告：{path} 含有密钥原文（权限 0600）。持有它和备份的人可以解密个人信息、伪造审计锚点、冒充本系统签名。"
    "请把它与备份分开存放（另一介质、另一保管人），不要随备份一起复制或上传。"
)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message (Chinese) says why and what to do."""


# --- What lives outside the database ---------------------------------------------------------------
# The keys a restore must be given again: fingerprinted in every manifest, their values written only by
# `--include-keys`, each named as the environment variable that carries it (a key of the data-key ring
# by its number: YIMEN_DATA_KEY:2 is the entry `2:…` of YIMEN_DATA_KEY or its key file).


def _data_keys() -> dict[str, str]:
    """The personal-data master keys by number, as written in YIMEN_DATA_KEY or the key file."""
    text = settings.YIMEN["DATA_KEY"] or (crypto.key_file().read_text() if crypto.key_file().exists() else "")
    if not text:
        return {}
    masters = crypto.parse_keys(text, "YIMEN_DATA_KEY")
    return {f"YIMEN_DATA_KEY:{key_id}": master.hex() for key_id, master in sorted(masters.items())}


_KEY_SOURCES: list[Callable[[], dict[str, str]]] = [
    lambda: {"SECRET_KEY": settings.SECRET_KEY},
    lambda: {"YIMEN_AUDIT_KEY": audit_anchor.key().decode()},
    _data_keys,
]


def register_key_source(source: Callable[[], dict[str, str]]) -> None:
    """A key kept by an app above core (the certificates' signing key): fingerprinted in every manifest and
    written by `--include-keys` like the others. Registered from the app's `ready()`."""
    if source not in _KEY_SOURCES:
        _KEY_SOURCES.append(source)


def configured_keys() -> dict[str, bytes]:
    keys = {}
    for source in _KEY_SOURCES:
        keys.update({name: value.encode() for name, value in source().items() if value})
    return keys


def fingerprint(value: bytes) -> str:
    """Names a key without revealing it: the first 16 hex digits of SHA-256 over a fixed label and it."""
    return hashlib.sha256(b"yimen key fingerprint\0" + value).hexdigest()[:16]


def key_mismatches(recorded: dict[str, str]) -> list[str]:
    """Keys the backup was made with that are configured differently here, or not at all."""
    configured = {name: fingerprint(value) for name, value in configured_keys().items()}
    problems = []
    for name, print_ in sorted(recorded.items()):
        if name not in configured:
            problems.append(f"密钥 {name} 未配置（备份时指纹 {print_}）：请先按备份时的值配置它")
        elif configured[name] != print_:
            problems.append(
                f"密钥 {name} 与备份时不同（备份时指纹 {print_}，当前 {configured[name]}）：请配置备份时的密钥"
            )
    return problems


# --- Small helpers ---------------------------------------------------------------------------------


def files_root() -> Path:
    """The directory of stored files (uploaded materials, generated documents)."""
    location = getattr(storages["default"], "location", None)
    if location is None:
        raise BackupError("文件存储不是本地目录（STORAGES['default'] 没有 location）：请用存储自身的备份手段")
    return Path(location)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                yield path


def _copy_hashed(source: Path, target: Path) -> dict[str, Any]:
    """Copy one file, hashing the bytes as they are written: the manifest holds what the copy holds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as reading, target.open("wb") as writing:
        while chunk := reading.read(CHUNK):
            digest.update(chunk)
            writing.write(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _is_empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _write_private(path: Path, text: str) -> None:
    """A new file readable by its owner only (0600 from its creation, never wider for a moment)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def _version() -> str:
    try:
        return metadata.version("yimen")
    except metadata.PackageNotFoundError:
        return "unknown"


def _count_rows(cursor: Any, tables: list[str], quote: Callable[[str], str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # nosec B608  # identifiers are table names read from the database's own catalogue or models, quoted; no value is formatted in
        counts[table] = cursor.fetchone()[0]
    return counts


def _audit_head(cursor: Any, quote: Callable[[str], str]) -> dict[str, Any]:
    head_table, entry_table = quote(AuditHead._meta.db_table), quote(AuditEntry._meta.db_table)
    cursor.execute(f"SELECT seq, hash FROM {head_table} WHERE id = 1")  # nosec B608  # identifiers are table names read from the database's own catalogue or models, quoted; no value is formatted in
    row = cursor.fetchone()
    cursor.execute(f"SELECT COUNT(*) FROM {entry_table} WHERE seq IS NULL")  # nosec B608  # identifiers are table names read from the database's own catalogue or models, quoted; no value is formatted in
    unsealed = cursor.fetchone()[0]
    seq, hash_ = row if row else (0, audit.GENESIS)
    return {"seq": int(seq), "hash": hash_, "unsealed": int(unsealed)}


def live_counts() -> dict[str, int]:
    """Rows of every table of the configured database, now."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        return _count_rows(cursor, tables, connection.ops.quote_name)


def live_audit_head() -> dict[str, Any]:
    with connection.cursor() as cursor:
        return _audit_head(cursor, connection.ops.quote_name)


# --- SQLite ----------------------------------------------------------------------------------------


def _raw_sqlite() -> sqlite3.Connection:
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_backup(target: Path) -> tuple[dict[str, int], dict[str, Any]]:
    """The online backup API in one step: one consistent read of the database, write-ahead log included,
    while writers carry on. The copy is then a single file (journal_mode DELETE) and checked."""
    copy = sqlite3.connect(target)
    try:
        _raw_sqlite().backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        (check,) = copy.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise BackupError(f"备份副本的完整性检查未通过：{check}")
        cursor = copy.cursor()
        tables = [
            name
            for (name,) in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return _count_rows(cursor, tables, _sqlite_quote), _audit_head(cursor, _sqlite_quote)
    finally:
        copy.close()


def _sqlite_restore(source: Path) -> None:
    """The backup API the other way: every page of the target replaced by the copy's."""
    if connection.in_atomic_block:
        raise BackupError("恢复不能在事务中进行")
    original = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        original.backup(_raw_sqlite())
    finally:
        original.close()
    connection.close()


# --- PostgreSQL ------------------------------------------------------------------------------------

_LIBPQ_OPTIONS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "connect_timeout",
    "application_name",
    "target_session_attrs",
    "options",
    "service",
    "passfile",
}


def _pg_connection() -> tuple[str, dict[str, str]]:
    """The libpq connection string of the configured database and the environment carrying its password
    (never on the command line, where `ps` shows it)."""
    from psycopg.conninfo import make_conninfo

    db = connection.settings_dict
    params = {
        "dbname": db["NAME"],
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
    }
    params.update({k: str(v) for k, v in (db.get("OPTIONS") or {}).items() if k in _LIBPQ_OPTIONS})
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return make_conninfo(**{k: v for k, v in params.items() if v is not None}), env


def _client_major(program: str) -> int:
    try:
        out = subprocess.run([program, "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BackupError(f"找不到 {program}：请安装 postgresql-client（与数据库服务器同一主版本）") from exc
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    if not found:
        raise BackupError(f"无法读出 {program} 的版本：{out.strip()}")
    return int(found[1])


def _server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _check_client(program: str, server: int) -> int:
    """pg_dump refuses a newer server, and a dump from an older client may miss what the server has."""
    client = _client_major(program)
    if client < server:
        raise BackupError(
            f"{program} 主版本 {client} 低于数据库服务器的 {server}：请安装 postgresql-client-{server} 再备份或恢复"
        )
    return client


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise BackupError(f"{args[0]} 失败（退出码 {done.returncode}）：{done.stderr.strip()[-2000:]}")


def _pg_dump(target: Path) -> tuple[dict[str, int], dict[str, Any], dict[str, Any]]:
    """`pg_dump -Fc` of a snapshot exported by this transaction, and the rows and audit head counted in
    that same snapshot: the manifest describes exactly what the dump holds, whatever commits meanwhile."""
    server = _server_major()
    client = _check_client("pg_dump", server)
    conninfo, env = _pg_connection()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(["pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", str(target), "-d", conninfo], env)
        tables = connection.introspection.table_names(cursor)
        counts = _count_rows(cursor, tables, connection.ops.quote_name)
        head = _audit_head(cursor, connection.ops.quote_name)
    return counts, head, {"server_major": server, "pg_dump_major": client}


def _pg_restore(source: Path, *, force: bool) -> None:
    _check_client("pg_restore", _server_major())
    conninfo, env = _pg_connection()
    connection.close()
    args = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", "-d", conninfo]
    if force:
        args += ["--clean", "--if-exists"]
    _run([*args, str(source)], env)


# --- Backup ----------------------------------------------------------------------------------------


def _copy_anchors(head: dict[str, Any], target: Path) -> dict[str, Any]:
    """The audit anchors that fit the copied database: those up to its head and a signed mark of that head
    (the site's file runs ahead while the worker goes on sealing, and is left as it is)."""
    try:
        lines = audit_anchor.copy_for_snapshot(target, seq=head["seq"], head=head["hash"])
    except OSError as exc:
        raise BackupError(f"无法写出备份的签名锚点：{exc}") from exc
    target.chmod(0o600)
    return {"file": target.name, "lines": lines, "sha256": sha256_of(target)}


@dataclass
class Made:
    manifest: dict[str, Any]
    keys_path: Path | None = None


def backup(dest: Path, *, include_keys: bool = False, keys_path: Path | None = None) -> Made:
    """Write a backup into `dest` (a new or empty directory, made 0700)."""
    vendor = connection.vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"不支持备份 {vendor} 数据库（可用 SQLite 或 PostgreSQL）")
    if not _is_empty_dir(dest):
        raise BackupError(f"备份目录 {dest} 已存在且不为空：请指定一个新目录，不会覆盖已有备份")
    if include_keys and keys_path is not None and keys_path.exists():
        raise BackupError(f"密钥文件 {keys_path} 已存在：不会覆盖，请指定新的 --keys-file")
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    started = timezone.now()
    audit.seal()
    database: dict[str, Any] = {"vendor": vendor}
    if vendor == "sqlite":
        counts, head = _sqlite_backup(dest / SQLITE_FILE)
        database["file"] = SQLITE_FILE
    else:
        counts, head, versions = _pg_dump(dest / PG_FILE)
        database.update(file=PG_FILE, **versions)
    database["sha256"] = sha256_of(dest / database["file"])
    anchors = _copy_anchors(head, dest / ANCHORS_FILE)
    # Files after the database: a stored file is written before the row naming it commits, so every
    # file the copied rows name is already there.
    root = files_root()
    files = {}
    for path in _walk(root):
        name = path.relative_to(root).as_posix()
        try:
            files[name] = _copy_hashed(path, dest / FILES_DIR / name)
        except FileNotFoundError:
            continue  # removed while the backup ran; a restore names it if the copied rows still need it
    keys = configured_keys()
    manifest = {
        "format": FORMAT,
        "yimen_version": _version(),
        "started_at": started.isoformat(),
        "finished_at": timezone.now().isoformat(),
        "database": database,
        "tables": counts,
        "audit_head": head,
        "files": files,
        "audit_anchors": anchors,
        "key_fingerprints": {name: fingerprint(value) for name, value in sorted(keys.items())},
        "keys_included": include_keys,
    }
    made = Made(manifest)
    if include_keys:
        made.keys_path = keys_path or dest / KEYS_FILE
        text = json.dumps(
            {name: value.decode() for name, value in keys.items()}, ensure_ascii=False, indent=2
        )
        try:
            _write_private(made.keys_path, text + "\n")
        except FileExistsError:
            raise BackupError(f"密钥文件 {made.keys_path} 已存在：不会覆盖，请指定新的 --keys-file") from None
    # The manifest last, by rename: a backup without one is visibly unfinished.
    with tempfile.NamedTemporaryFile("w", dir=dest, delete=False, encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2, sort_keys=True)
    Path(handle.name).replace(dest / MANIFEST)
    return made


# --- Restore ---------------------------------------------------------------------------------------


def read_manifest(src: Path) -> dict[str, Any]:
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} 不是完整的备份：没有 {MANIFEST}（备份未完成，或不是 yimen backup 做的）")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')!r} 不是本版本能读的 {FORMAT}")
    return manifest


@dataclass
class Checked:
    """What a restore verified and what differs; a restore succeeded when `problems` is empty."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _check_tables(manifest: dict[str, Any], result: Checked) -> None:
    expected: dict[str, int] = manifest["tables"]
    actual = live_counts()
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            result.problems.append(f"表 {table} 缺失（备份中 {expected[table]} 行）")
        elif table not in expected:
            if actual[table]:
                result.problems.append(f"表 {table} 不在备份清单中，却有 {actual[table]} 行")
        elif actual[table] != expected[table]:
            lost = expected[table] - actual[table]
            result.problems.append(
                f"表 {table} 有 {actual[table]} 行，备份清单记录 {expected[table]} 行（{'少' if lost > 0 else '多'} {abs(lost)} 行）"
            )
    result.lines.append(f"数据表：{len(expected)} 张，共 {sum(expected.values())} 行")


def _check_audit_head(manifest: dict[str, Any], result: Checked) -> None:
    expected, actual = manifest["audit_head"], live_audit_head()
    if actual["seq"] < expected["seq"]:
        result.problems.append(
            f"审计链尾在第 {actual['seq']} 条，备份时在第 {expected['seq']} 条："
            f"数据库缺少最后的提交（第 {actual['seq'] + 1}–{expected['seq']} 条审计记录及其所记的变更）"
        )
    elif (actual["seq"], actual["hash"]) != (expected["seq"], expected["hash"]):
        result.problems.append(
            f"审计链尾（第 {actual['seq']} 条，{actual['hash'][:12]}…）与备份时"
            f"（第 {expected['seq']} 条，{expected['hash'][:12]}…）不同"
        )
    result.lines.append(f"审计链尾：第 {expected['seq']} 条（另有 {expected['unsealed']} 条待封存）")


def _check_files(manifest: dict[str, Any], result: Checked) -> None:
    root = files_root()
    expected: dict[str, dict[str, Any]] = manifest["files"]
    for name, recorded in sorted(expected.items()):
        path = root / name
        if not path.is_file():
            result.problems.append(f"文件 {name} 缺失")
        elif sha256_of(path) != recorded["sha256"]:
            result.problems.append(f"文件 {name} 的 SHA-256 与备份清单不符")
    extra = sorted(path.relative_to(root).as_posix() for path in _walk(root)) if root.is_dir() else []
    extra = [name for name in extra if name not in expected]
    if extra:
        result.lines.append(f"文件目录另有 {len(extra)} 个不在备份中的文件（未动），如 {extra[0]}")
    total = sum(item["size"] for item in expected.values())
    result.lines.append(f"文件：{len(expected)} 个，{total} 字节，SHA-256 逐个核对")


def _check_audit_chain(manifest: dict[str, Any], src: Path, result: Checked) -> None:
    """`yimen audit verify`, as an operator would run it: against this site's anchor file and the backup's
    copy of the anchors. The entries that were waiting for their seal when the backup was read are sealed
    first (the copy holds them unsealed, and the seal window has passed since)."""
    anchors = src / manifest["audit_anchors"]["file"]
    if sha256_of(anchors) != manifest["audit_anchors"]["sha256"]:
        result.problems.append(f"{anchors.name}（备份中的签名锚点）的 SHA-256 与备份清单不符")
        return
    head = manifest["audit_head"]["seq"]
    site, _ = audit_anchor.read()
    ahead = max((anchor.seq for anchor in site), default=0)
    if ahead > head:
        # Sealing now would sign new heads over numbers the site's anchors already name: say what is
        # missing and leave the anchor file as it is (docs/deployment.md, "Backup and restore", step 4).
        result.problems.append(
            f"本机签名锚点（{audit_anchor.anchor_path()}）已记到审计日志第 {ahead} 条，而恢复的链尾只到第 {head} 条："
            f"备份之后的第 {head + 1}–{ahead} 条审计记录及其所记的变更不在此备份中（最后的提交已丢失）。"
            "锚点文件未改动；未运行 yimen audit verify"
        )
        return
    if live_audit_head()["unsealed"] == manifest["audit_head"]["unsealed"]:
        audit.seal()
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", "--anchors", str(anchors), stdout=out, stderr=err)
    except CommandError as exc:
        more = [line for line in err.getvalue().splitlines() if line.strip()]
        result.problems.append(f"yimen audit verify 未通过：{exc}" + "".join(f"；{line}" for line in more))
    else:
        result.lines.append(out.getvalue().strip())


def verify(manifest: dict[str, Any], src: Path) -> Checked:
    """Check the configured database and files against a backup's manifest. The audit head is compared
    before `audit verify`, which seals what was waiting and so moves the head on."""
    result = Checked()
    result.problems.extend(key_mismatches(manifest["key_fingerprints"]))
    _check_tables(manifest, result)
    _check_audit_head(manifest, result)
    _check_files(manifest, result)
    _check_audit_chain(manifest, src, result)
    return result


def _anchors_in_place(manifest: dict[str, Any], src: Path) -> str:
    """A site without an anchor file (a new machine) takes the backup's; an existing one is evidence of
    what happened since the backup and is never written over: `audit verify` holds the restore to it."""
    site = audit_anchor.anchor_path()
    if site.exists() and site.stat().st_size:
        return f"签名锚点：沿用本机的 {site}（备份之后的提交若已签名，缺失会被指出）"
    site.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / manifest["audit_anchors"]["file"], site)
    return f"签名锚点：本机没有锚点文件，已从备份放回 {site}（{manifest['audit_anchors']['lines']} 行）"


def _non_empty_tables() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def restore(src: Path, *, force: bool = False) -> Checked:
    """Restore a backup into the configured (empty) database and files directory, then verify it."""
    manifest = read_manifest(src)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"备份来自 {vendor} 数据库，当前配置的是 {connection.vendor}：请把 DATABASE_URL 指向同类数据库"
        )
    if problems := key_mismatches(manifest["key_fingerprints"]):
        raise BackupError("密钥与备份时不符，未做任何恢复：\n" + "\n".join(problems))
    database = src / manifest["database"]["file"]
    if sha256_of(database) != manifest["database"]["sha256"]:
        raise BackupError(f"{database} 的 SHA-256 与备份清单不符：备份已损坏或被改动，未做任何恢复")
    tables = _non_empty_tables()
    root = files_root()
    if not force:
        if tables:
            raise BackupError(
                f"目标数据库不是空的（已有 {len(tables)} 张表，如 {tables[0]}）：恢复只写入空数据库。"
                "请新建一个空数据库（不要先运行 migrate），或确认要覆盖其中的数据后加 --force"
            )
        if not _is_empty_dir(root):
            raise BackupError(f"文件目录 {root} 不是空的：请换一个空目录，或确认要覆盖后加 --force")
    if vendor == "sqlite":
        _sqlite_restore(database)
    else:
        _pg_restore(database, force=force)
    for name in manifest["files"]:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / FILES_DIR / name, target)
    placed = _anchors_in_place(manifest, src)
    checked = verify(manifest, src)
    checked.lines.insert(0, placed)
    return checked
