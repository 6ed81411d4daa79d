"""电子证照标识 (GB/T 36904-2018): `1.2.156.3005.2.{类型代码}.{颁发机构代码}.{流水号}.{版本号}.{校验位}`.

The root `1.2.156.3005.2` is the 电子证照根代码 OID. The type code is the defining authority's 统一社会信用代码
plus a 3-digit sequence; the issuer code is the issuing organisation's 统一社会信用代码; the version is 3 digits
(`001` first). The serial is the year and a 7-digit sequence (`20260000403`), as real issuers print it.

The check character: the standard's text could not be read, so the algorithm is configuration
(YIMEN["CERTIFICATE_CHECK"]): "mod37_36" (default) is ISO 7064 MOD 37,36 (hybrid) over the four segments
concatenated, as the published Hubei 接入指南 implementation computes it; "none" writes no check segment.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from django.conf import settings

ROOT = "1.2.156.3005.2"
ALPHABET = string.digits + string.ascii_uppercase  # ISO 7064 MOD 37,36: 0–9 then A–Z, 36 symbols
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_SEGMENT = re.compile(r"^[0-9A-Z]+$")


def mod37_36(text: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (hybrid system) check character over `text` (0–9, A–Z)."""
    modulus = 36
    product = modulus
    for ch in text:
        if ch not in _VALUES:
            raise ValueError(f"校验位只能在数字和大写字母上计算，遇到 {ch!r}")
        total = (product + _VALUES[ch]) % modulus or modulus
        product = (total * 2) % (modulus + 1)
    return ALPHABET[(modulus + 1 - product) % modulus]


def check_char(type_code: str, issuer_code: str, serial: str, version: str) -> str:
    """The identifier's last segment, by the configured algorithm ("" when none is configured)."""
    algorithm = settings.YIMEN["CERTIFICATE_CHECK"]
    if algorithm == "none":
        return ""
    if algorithm != "mod37_36":
        raise ValueError(f"unknown certificate check algorithm {algorithm!r}")
    return mod37_36(type_code + issuer_code + serial + version)


@dataclass(frozen=True)
class Identifier:
    type_code: str
    issuer_code: str
    serial: str
    version: int

    def __str__(self) -> str:
        version = f"{self.version:03d}"
        check = check_char(self.type_code, self.issuer_code, self.serial, version)
        parts = [ROOT, self.type_code, self.issuer_code, self.serial, version]
        return ".".join([*parts, check] if check else parts)


def parse(text: str) -> Identifier | None:
    """The identifier's parts, or None when `text` is not a well-formed identifier with a right check."""
    text = text.strip().upper()
    if not text.startswith(ROOT + "."):
        return None
    segments = text[len(ROOT) + 1 :].split(".")
    if len(segments) not in (4, 5) or not all(_SEGMENT.match(s) for s in segments):
        return None
    type_code, issuer_code, serial, version = segments[:4]
    if len(version) != 3 or not version.isdigit():
        return None
    parsed = Identifier(type_code, issuer_code, serial, int(version))
    return parsed if str(parsed) == text else None
