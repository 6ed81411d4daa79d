"""Personal data at rest: SM4-GCM encryption and an SM3 blind index (GB/T 22239-2019 8.1.4.7 数据完整性,
8.1.4.8 数据保密性: 应采用密码技术保证重要个人信息在存储过程中的完整性和保密性).

Algorithms (商用密码, through the OpenSSL that `cryptography` links; no pure-Python implementation):

* SM4 (GB/T 32907-2016) in GCM mode: a random 96-bit nonce per value, a 128-bit tag, and associated
  data naming the column (``cases.case.phone``) and the key id, so a ciphertext copied into another
  column or row-relabelled to another key fails its tag instead of reading as someone else's data.
* SM3 (GB/T 32905-2016) as HMAC-SM3: derives the two working keys from each master key and computes
  the blind index, a keyed digest of the normalised value that exact lookups (an ID number at the
  counter, a phone) compare instead of the plaintext.

Keys live outside the database (``YIMEN_DATA_KEY``, or the file ``YIMEN_DATA_KEY_FILE``; docs/
deployment.md). A key ring holds numbered master keys; the highest number encrypts, every one decrypts,
and each stored value names the key it was sealed under (``sm4:2:…``), so keys rotate row by row
(``yimen datakey rotate``). The blind index uses the highest key too; lookups try every key in the ring,
so they keep finding rows during a rotation.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = [
    "PREFIX",
    "DecryptionError",
    "KeyRing",
    "blind_index",
    "blind_indexes",
    "decrypt",
    "encrypt",
    "key_id_of",
    "keyring",
    "new_key_line",
    "sm3",
    "sm3_hmac",
    "write_key_file",
]

PREFIX = "sm4:"  # every sealed value starts so: sm4:<key id>:<base64url of nonce ‖ ciphertext ‖ tag>
NONCE_BYTES = 12
TAG_BYTES = 16
INDEX_BYTES = 16  # the blind index keeps 128 bits of the HMAC-SM3 (32 hex characters)
_SEALED = re.compile(r"^sm4:(\d+):([A-Za-z0-9_-]+)$")


class DecryptionError(ValueError):
    """A stored value that does not open: altered, moved from another column, or sealed under a key
    this process does not hold. Never answered with garbage."""


def sm3(data: bytes) -> bytes:
    """SM3 digest (GB/T 32905-2016)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sm3_hmac(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 (RFC 2104 with SM3 as the hash)."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


@dataclass(frozen=True)
class DataKey:
    """One master key of the ring and the two keys derived from it, each for one use only."""

    id: int
    sm4: bytes  # 128-bit SM4 key
    index: bytes  # HMAC-SM3 key of the blind index

    @classmethod
    def derive(cls, key_id: int, master: bytes) -> DataKey:
        return cls(
            key_id,
            sm3_hmac(master, b"yimen data key: sm4-gcm")[:16],
            sm3_hmac(master, b"yimen data key: blind index"),
        )


@dataclass(frozen=True)
class KeyRing:
    keys: dict[int, DataKey]
    source: str  # where the keys came from, for messages: the variable's or the file's name

    @property
    def current(self) -> DataKey:
        return self.keys[max(self.keys)]


def _master(text: str, where: str) -> bytes:
    """A master key written as hex (32 or 64 digits) or base64 (of 16 or 32 bytes)."""
    text = text.strip()
    if re.fullmatch(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{64}", text):
        raw = bytes.fromhex(text)
    else:
        try:
            standard = text.replace("-", "+").replace("_", "/")
            raw = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
        except binascii.Error:
            raw = b""
    if len(raw) not in (16, 32):
        raise ImproperlyConfigured(
            f"{where} 中的数据密钥格式不对：应为 32 或 64 位十六进制，或 16 / 32 字节的 base64（可用 `yimen datakey new` 生成）"
        )
    return raw


def parse_keys(text: str, where: str) -> dict[int, bytes]:
    """Entries `ID:KEY`, one a line or separated by commas; a bare `KEY` is key 1; `#` starts a comment."""
    entries: dict[int, bytes] = {}
    for line in text.splitlines():
        for entry in line.split("#", 1)[0].split(","):
            entry = entry.strip()
            if not entry:
                continue
            number, _, key = entry.rpartition(":")
            if number and not number.strip().isdigit():
                raise ImproperlyConfigured(f"{where} 中的密钥编号 {number!r} 不是正整数：每项写作“编号:密钥”")
            key_id = int(number) if number else 1
            if key_id < 1 or key_id in entries:
                raise ImproperlyConfigured(f"{where} 中的密钥编号 {key_id} 无效或重复：编号为不重复的正整数")
            entries[key_id] = _master(key, where)
    if not entries:
        raise ImproperlyConfigured(f"{where} 中没有数据密钥")
    return entries


def new_key_line(key_id: int) -> str:
    """A line for the key file: a fresh 256-bit master key under `key_id`."""
    return f"{key_id}:{secrets.token_bytes(32).hex()}"


def write_key_file(path: Path, text: str) -> bool:
    """Create `path` holding `text`, readable by its owner alone (0600); False, and nothing written, when
    it exists. The file appears whole or not at all (written aside, then linked), and a process that loses
    the race to create it reads the winner's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
        os.link(draft, path)
    except FileExistsError:
        return False
    finally:
        draft.unlink()
    return True


def _create_key_file(path: Path) -> None:
    """Development and demo only: the first run writes one key."""
    header = "# Yimen 个人信息数据密钥（SM4/SM3）。与数据库分开备份；丢失即无法读出已加密的数据。\n"
    write_key_file(path, f"{header}{new_key_line(1)}\n")


def key_file() -> Path:
    """The key file in use: the one YIMEN_DATA_KEY_FILE names, else the development file var/data_keys."""
    return _key_file(settings.YIMEN["DATA_KEY_FILE"], str(settings.VAR_DIR))


def _key_file(named: str, var_dir: str) -> Path:
    return Path(named) if named else Path(var_dir) / "data_keys"


@cache
def _ring(inline: str, named: str, var_dir: str) -> KeyRing:
    if inline:
        masters, source = parse_keys(inline, "环境变量 YIMEN_DATA_KEY"), "YIMEN_DATA_KEY"
    else:
        path = _key_file(named, var_dir)
        if not path.exists():
            if named:
                raise ImproperlyConfigured(
                    f"数据密钥文件 {path} 不存在：请恢复备份的密钥文件，或改正 YIMEN_DATA_KEY_FILE"
                )
            _create_key_file(path)
        masters, source = parse_keys(path.read_text(), f"数据密钥文件 {path}"), str(path)
    return KeyRing({key_id: DataKey.derive(key_id, master) for key_id, master in masters.items()}, source)


def keyring() -> KeyRing:
    """The data keys this process holds: from YIMEN_DATA_KEY, else from the key file; the development
    file (no YIMEN_DATA_KEY_FILE) is created on first use with one key and mode 0600."""
    yimen = settings.YIMEN
    return _ring(yimen["DATA_KEY"], yimen["DATA_KEY_FILE"], str(settings.VAR_DIR))


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    if setting in ("YIMEN", "VAR_DIR"):
        _ring.cache_clear()


def forget_keys() -> None:
    """Read the keys again on next use (after the key file changed)."""
    _ring.cache_clear()


def _associated(context: str, key_id: int) -> bytes:
    return f"yimen:{context}:{key_id}".encode()


def encrypt(plaintext: str, context: str) -> str:
    """`plaintext` sealed with SM4-GCM under the current key, bound to `context` (the column)."""
    key = keyring().current
    nonce = secrets.token_bytes(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key.sm4), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(_associated(context, key.id))
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    sealed = base64.urlsafe_b64encode(nonce + body + encryptor.tag).rstrip(b"=").decode()
    return f"{PREFIX}{key.id}:{sealed}"


def key_id_of(stored: str) -> int | None:
    """The key a stored value was sealed under, or None for a value that is not sealed."""
    match = _SEALED.match(stored)
    return int(match.group(1)) if match else None


def decrypt(stored: str, context: str) -> str:
    """The plaintext of a value `encrypt` sealed for `context`, or DecryptionError naming the column."""
    match = _SEALED.match(stored)
    if match is None:
        raise DecryptionError(f"{context}：存储的值不是 SM4 密文（明文未加密？请先运行 yimen migrate）")
    key_id, sealed = int(match.group(1)), match.group(2)
    key = keyring().keys.get(key_id)
    if key is None:
        raise DecryptionError(
            f"{context}：该值用 {key_id} 号数据密钥加密，本机的密钥（{keyring().source}）中没有这把密钥"
        )
    raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(f"{context}：密文长度不足，已损坏")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key.sm4), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(_associated(context, key_id))
    try:
        plain = decryptor.update(body) + decryptor.finalize()
    except InvalidTag:
        raise DecryptionError(
            f"{context}：SM4-GCM 完整性校验失败（InvalidTag）：密文被改动、被移到其他字段，或 {key_id} 号密钥不对"
        ) from None
    return plain.decode()


def _index(key: DataKey, value: str, purpose: str) -> str:
    return sm3_hmac(key.index, f"{purpose}\x00{value}".encode())[:INDEX_BYTES].hex()


def blind_index(value: str, purpose: str) -> str:
    """The current key's blind index of an already normalised value, for what it stands for (`purpose`:
    the same for every column that holds that kind of value, so one ID number matches across tables)."""
    return _index(keyring().current, value, purpose) if value else ""


def blind_indexes(value: str, purpose: str) -> list[str]:
    """The value's blind index under every key of the ring: what a lookup compares, so rows not yet
    rotated to the newest key are still found; none for an empty value, which matches nothing."""
    if not value:
        return []
    return [_index(key, value, purpose) for key in keyring().keys.values()]
