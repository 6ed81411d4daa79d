"""系统数字签名 (non-legal): Yimen signs each certificate's canonical content with one system SM2 key, so
anyone can check on the verification page that the content has not changed since Yimen issued it.

It is labelled 「系统数字签名（非电子印章）」 wherever it is shown: it is not a GB/T 38540-2020 电子印章/电子签章
(no 制章者 or 签章者 certificate issued by a CA, no timestamp of a TSA, no revocation), and it gives no
legal equivalence to a 公章. A legal seal is the `sealing` module's job, through a CA-backed seal service.

Algorithms:

* SM3 (GB/T 32905-2016) through the OpenSSL that `cryptography` links (`digest`, and the hashes inside
  the signature).
* SM2 signature (GB/T 32918.2-2016, 数字签名算法) on the recommended 256-bit curve (GB/T 32918.5-2017),
  with Z_A = SM3(ENTL ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) for the default user ID "1234567812345678"
  (GM/T 0009-2012) and e = SM3(Z_A ‖ M). The point arithmetic is snowland-smx's (`pysmx`, pure Python);
  the nonce k comes from `secrets` (the operating system's CSPRNG), never from `random`. Verification
  checks r, s ∈ [1, n−1] and t ≠ 0 (steps B1, B2, B5) and that the public key is a point of the curve,
  which the library does not.

Pure-Python point arithmetic does not run in constant time: the key must sit on a server no one else
runs code on. A 密评 may ask for a certified module or an HSM instead; `sign` is the one place to swap.

Keys (docs/deployment.md, `yimen signkey`): the private key lives in the file YIMEN_SIGNING_KEY_FILE
(mode 0600), never in the database; the public keys it replaced live in the key ring next to it (the same
name with the suffix ``.ring``, one JSON object a line), so certificates signed before a rotation still
verify. Without YIMEN_SIGNING_KEY_FILE, development and the demo use var/signing.key, made on first use;
in production name the file, so a missing key stops signing instead of silently making a new one.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from pysmx.SM2 import Sign, Verify, kG

from yimen.core.crypto import sm3, write_key_file

__all__ = [
    "ALGORITHM",
    "CANONICAL_VERSION",
    "DEFAULT_USER_ID",
    "LABEL",
    "KeyRingEntry",
    "Signature",
    "SigningKey",
    "canonical",
    "digest",
    "key_file",
    "public_keys",
    "ring_file",
    "sign",
    "verify",
]

ALGORITHM = "SM2-with-SM3"
LABEL = "系统数字签名（非电子印章）"
DEFAULT_USER_ID = b"1234567812345678"  # GM/T 0009-2012: the default 用户身份标识 ID_A
CANONICAL_VERSION = 1  # the version of `canonical`'s byte format; store it beside what was signed

# The recommended curve of GB/T 32918.5-2017 (Fp-256): y² = x³ + ax + b over F_p, base point G of order n.
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
_G_HEX = f"{GX:064x}{GY:064x}"
_HEX = 64  # hex digits of one coordinate or scalar
_SIGNATURE = re.compile(r"^[0-9a-fA-F]{128}$")


# --- What is signed ------------------------------------------------------------------------------


def canonical(content: Mapping[str, str | int | date | None]) -> bytes:
    """The bytes a certificate's signature covers: the contract every verifier relies on (version 1).

    A JSON object, UTF-8, written as Python's ``json.dumps(content, ensure_ascii=False, sort_keys=True,
    separators=(",", ":"))`` writes it: keys sorted by code point, no whitespace, non-ASCII characters as
    themselves (not \\u escapes), ``"`` ``\\`` and control characters escaped as JSON requires, strings as
    given (no Unicode normalisation). Values are strings, integers or null; a date is written as its ISO
    string ("2026-12-07"), an aware datetime as its ISO string with offset ("2026-12-07T08:30:00+08:00").
    Booleans, floats, nested values and naive datetimes are refused (TypeError): each has more than one
    reasonable spelling. Never change this format; a new one needs a new CANONICAL_VERSION, stored with
    the content it signed, and verifiers that keep reading version 1.
    """
    plain: dict[str, str | int | None] = {}
    for key, value in content.items():
        if not isinstance(key, str):
            raise TypeError(f"canonical: 键 {key!r} 不是字符串")
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise TypeError(f"canonical: {key} 的时间 {value!r} 没有时区")
            plain[key] = value.isoformat()
        elif isinstance(value, date):
            plain[key] = value.isoformat()
        elif (
            value is None
            or isinstance(value, str)
            or (isinstance(value, int) and not isinstance(value, bool))
        ):
            plain[key] = value
        else:
            raise TypeError(f"canonical: {key} 的值 {value!r} 不是字符串、整数、日期或空值")
    return json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def digest(data: bytes) -> str:
    """The SM3 digest of `data` as 64 lowercase hex digits: shown on the verification page."""
    return sm3(data).hex()


# --- Keys ----------------------------------------------------------------------------------------


def public_point(private: int) -> bytes:
    """x_A ‖ y_A (64 bytes) of the public key P_A = [d_A]G."""
    return bytes.fromhex(kG(private, _G_HEX, _HEX))


def on_curve(point: bytes) -> bool:
    """Whether x ‖ y (64 bytes) is a point of the curve (the cofactor is 1: every such point has order n)."""
    if len(point) != 64:
        return False
    x, y = int.from_bytes(point[:32], "big"), int.from_bytes(point[32:], "big")
    return x < P and y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def fingerprint(point: bytes) -> str:
    """A public key's id: the first 16 hex digits of SM3 over its uncompressed encoding 04 ‖ x ‖ y."""
    return sm3(b"\x04" + point).hex()[:16]


def z_value(point: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2-2016, 5.5)."""
    entl = (len(user_id) * 8).to_bytes(2, "big")
    curve = b"".join(value.to_bytes(32, "big") for value in (A, B, GX, GY))
    return sm3(entl + user_id + curve + point)


def _e(point: bytes, data: bytes, user_id: bytes = DEFAULT_USER_ID) -> str:
    """e = SM3(Z_A ‖ M) as hex (steps A1–A2 and B3–B4)."""
    return sm3(z_value(point, user_id) + data).hex()


@dataclass(frozen=True)
class KeyRingEntry:
    """One public key of the ring, as the public key page lists it."""

    fingerprint: str
    public_key: str  # uncompressed, hex: 04 ‖ x ‖ y (130 digits)
    valid_from: datetime
    retired_at: datetime | None  # None for the key that signs now

    @property
    def point(self) -> bytes:
        return bytes.fromhex(self.public_key)[1:]


@dataclass(frozen=True)
class SigningKey:
    """The private key that signs now, and when it was made."""

    private: int
    created: datetime
    point: bytes
    fingerprint: str

    @classmethod
    def of(cls, private: int, created: datetime) -> SigningKey:
        if not 1 <= private <= N - 2:  # d_A ∈ [1, n−2] (GB/T 32918.1-2016, 6.1): 1 + d_A must be invertible
            raise ValueError("SM2 私钥不在 [1, n−2] 内")
        point = public_point(private)
        return cls(private, created, point, fingerprint(point))

    @classmethod
    def generate(cls, now: datetime | None = None) -> SigningKey:
        return cls.of(secrets.randbelow(N - 2) + 1, now or timezone.now())

    @property
    def entry(self) -> KeyRingEntry:
        return KeyRingEntry(self.fingerprint, "04" + self.point.hex(), self.created, None)

    def file_text(self) -> str:
        """The key file: two comment lines, then `created:` and `private:` lines."""
        return (
            "# Yimen 系统数字签名私钥（SM2，GB/T 32918）。权限 0600；与数据库分开备份；泄露即可冒充本系统签名。\n"
            f"# 公钥指纹 {self.fingerprint}\n"
            f"created: {self.created.isoformat()}\n"
            f"private: {self.private:064x}\n"
        )


def key_file() -> Path:
    """The private key file: the one YIMEN_SIGNING_KEY_FILE names, else var/signing.key (development)."""
    return _key_file(settings.YIMEN["SIGNING_KEY_FILE"], str(settings.VAR_DIR))


def _key_file(named: str, var_dir: str) -> Path:
    return Path(named) if named else Path(var_dir) / "signing.key"


def backup_keys() -> dict[str, str]:
    """The signing key file and its ring as core.backup keeps keys (nothing when no key was made yet)."""
    path = key_file()
    if not path.exists():
        return {}
    ring = ring_file(path)
    return {
        "YIMEN_SIGNING_KEY_FILE": path.read_text(),
        "YIMEN_SIGNING_KEY_FILE.ring": ring.read_text() if ring.exists() else "",
    }


def ring_file(path: Path | None = None) -> Path:
    """The retired public keys, next to the key file: signing.key → signing.ring."""
    return (path or key_file()).with_suffix(".ring")


def parse_key_file(text: str, where: str) -> SigningKey:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, value = line.partition(":")
            fields[name.strip()] = value.strip()
    try:
        created = datetime.fromisoformat(fields["created"])
        if not re.fullmatch(r"[0-9a-fA-F]{64}", fields["private"]):
            raise ValueError
        return SigningKey.of(int(fields["private"], 16), created)
    except (KeyError, ValueError):
        raise ImproperlyConfigured(
            f"签名密钥文件 {where} 格式不对：应有 created: 与 private:（64 位十六进制）两行（可用 yimen signkey new 生成）"
        ) from None


def parse_ring(text: str, where: str) -> list[KeyRingEntry]:
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
            entry = KeyRingEntry(
                str(fields["fingerprint"]),
                str(fields["public_key"]).lower(),
                datetime.fromisoformat(fields["valid_from"]),
                datetime.fromisoformat(fields["retired_at"]),
            )
            point = entry.point
        except (ValueError, KeyError, TypeError):
            raise ImproperlyConfigured(f"签名公钥环 {where} 第 {number} 行无法读取") from None
        if (
            not entry.public_key.startswith("04")
            or not on_curve(point)
            or fingerprint(point) != entry.fingerprint
        ):
            raise ImproperlyConfigured(
                f"签名公钥环 {where} 第 {number} 行的公钥不在 SM2 曲线上，或与指纹不符"
            )
        entries.append(entry)
    return entries


def ring_line(entry: KeyRingEntry) -> str:
    return json.dumps(
        {
            "fingerprint": entry.fingerprint,
            "public_key": entry.public_key,
            "valid_from": entry.valid_from.isoformat(),
            "retired_at": entry.retired_at.isoformat() if entry.retired_at else None,
        },
        ensure_ascii=False,
    )


def new_key_file(path: Path, key: SigningKey | None = None) -> SigningKey | None:
    """Write a new key to `path` (mode 0600), or None when a file is there already: never overwritten."""
    key = key or SigningKey.generate()
    return key if write_key_file(path, key.file_text()) else None


@dataclass(frozen=True)
class Keys:
    current: SigningKey
    ring: dict[str, KeyRingEntry]  # by fingerprint: the current key and every retired one


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size


@lru_cache(maxsize=4)  # a few generations of the files; older ones are dropped with their private key
def _load(path: Path, named: bool, key_stamp: object, ring_stamp: object) -> Keys:
    if key_stamp is None:
        if named:
            raise ImproperlyConfigured(
                f"签名密钥文件 {path} 不存在：请恢复备份的密钥文件，或运行 yimen signkey new 生成，"
                "或改正 YIMEN_SIGNING_KEY_FILE"
            )
        new_key_file(path)
    if path.stat().st_mode & 0o077:
        raise ImproperlyConfigured(
            f"签名密钥文件 {path} 可被其他用户读取：请执行 chmod 600 {path}，只让运行 Yimen 的用户读取"
        )
    current = parse_key_file(path.read_text(), str(path))
    ring_path = ring_file(path)
    retired = parse_ring(ring_path.read_text(), str(ring_path)) if ring_stamp is not None else []
    ring = {entry.fingerprint: entry for entry in retired}
    ring[current.fingerprint] = current.entry
    return Keys(current, ring)


def keys() -> Keys:
    """The signing key and the key ring, read again whenever either file changes (after `yimen signkey
    rotate`, every process signs with the new key and verifies with both, without a restart)."""
    named = settings.YIMEN["SIGNING_KEY_FILE"]
    path = _key_file(named, str(settings.VAR_DIR))
    return _load(path, bool(named), _stamp(path), _stamp(ring_file(path)))


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    if setting in ("YIMEN", "VAR_DIR"):
        _load.cache_clear()


def public_keys() -> list[KeyRingEntry]:
    """The public key page's list: the key that signs now first, then the retired ones, newest first."""
    entries = keys().ring.values()
    return sorted(
        entries, key=lambda e: (e.retired_at is not None, -(e.retired_at or e.valid_from).timestamp())
    )


# --- Signing and verifying -----------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """An SM2 signature as Yimen stores and shows it.

    `value` is r ‖ s as 128 lowercase hex digits (each a 32-byte big-endian integer), the fixed-length
    form a page can print; `der()` gives the SEQUENCE { r INTEGER, s INTEGER } of GM/T 0009 for other tools.
    `signed_at` is this server's clock, not covered by the signature: sign it as part of the content
    where it matters.
    """

    algorithm: str
    key_id: str  # the public key's fingerprint
    value: str
    signed_at: datetime

    def der(self) -> bytes:
        return encode_dss_signature(int(self.value[:_HEX], 16), int(self.value[_HEX:], 16))


def sign_with(key: SigningKey, data: bytes, nonce: int | None = None) -> str:
    """r ‖ s over `data` (steps A1–A7); `nonce` only for the standard's worked example."""
    e = _e(key.point, data)
    while True:
        k = nonce or secrets.randbelow(N - 1) + 1  # A3: k ∈ [1, n−1] from the operating system's CSPRNG
        value = Sign(e, f"{key.private:064x}", f"{k:064x}", _HEX, Hexstr=1)
        if value is not None:  # None when r = 0, r + k = n or s = 0 (A5, A6): draw another k
            return bytes(value).hex()
        if nonce:
            raise ValueError("这个 k 不能用于签名（r = 0、r + k = n 或 s = 0）")


def sign(data: bytes) -> Signature:
    """The system signature of `data` (normally `canonical(content)`) under the current key."""
    key = keys().current
    return Signature(ALGORITHM, key.fingerprint, sign_with(key, data), timezone.now())


def verify_with(point: bytes, data: bytes, value: str) -> bool:
    """Whether r ‖ s (hex) is a signature of `data` under the public key x ‖ y (steps B1–B7)."""
    if not isinstance(value, str) or not _SIGNATURE.match(value) or not on_curve(point):
        return False
    r, s = int(value[:_HEX], 16), int(value[_HEX:], 16)
    if not (1 <= r <= N - 1 and 1 <= s <= N - 1) or (r + s) % N == 0:  # B1, B2, B5
        return False
    try:
        return bool(Verify(value.lower(), _e(point, data), point.hex(), _HEX, Hexstr=1))
    except (TypeError, ValueError, IndexError):  # the library's point at infinity: no signature
        return False


def verify(data: bytes, signature: Signature) -> bool:
    """Whether `signature` is Yimen's over `data`, under the current key or any retired one of the ring.
    False, never an exception, for anything malformed: a wrong algorithm, an unknown key, bad hex, r or s
    outside [1, n−1]."""
    if not isinstance(data, bytes | bytearray) or getattr(signature, "algorithm", None) != ALGORITHM:
        return False
    key_id, value = getattr(signature, "key_id", None), getattr(signature, "value", None)
    entry = keys().ring.get(key_id) if isinstance(key_id, str) else None
    if entry is None or not isinstance(value, str):
        return False
    return verify_with(entry.point, bytes(data), value)


def rotate(now: datetime | None = None) -> tuple[SigningKey, SigningKey]:
    """Retire the current key into the ring and write a new one; (old, new). The ring line is written
    first, so a crash between the two steps leaves the old key signing and verifiable."""
    now = now or timezone.now()
    path = key_file()
    old = keys().current
    ring_path = ring_file(path)
    retired = KeyRingEntry(old.fingerprint, old.entry.public_key, old.created, now)
    descriptor = os.open(ring_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(descriptor, "a") as ring:
        ring.write(ring_line(retired) + "\n")
        ring.flush()
        os.fsync(ring.fileno())
    new = SigningKey.generate(now)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(new.file_text())
        file.flush()
        os.fsync(file.fileno())
    os.replace(draft, path)
    return old, new
