"""A seal service stand-in for tests: set YIMEN_SEALER to "tests.certificates.sealers.RecordingSealer"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from yimen.certificates.sealing import DocumentKind, SealingError


@dataclass
class SealCall:
    identifier: str
    kind: DocumentKind
    size: int


class RecordingSealer:
    """Appends a visible marker naming the certificate and remembers every call (class-wide, so a test can
    read the calls of the instance the code under test built). `failing = True` makes it refuse, as a seal
    service that is down does."""

    name = "recording"
    label = "电子印章（测试替身）"
    calls: ClassVar[list[SealCall]] = []
    failing: ClassVar[bool] = False

    def seal(self, document: bytes, *, kind: DocumentKind, identifier: str) -> bytes:
        if self.failing:
            raise SealingError(f"电子印章服务返回 HTTP 503（证照 {identifier}）：测试替身设为失败")
        self.calls.append(SealCall(identifier, kind, len(document)))
        return document + marker(identifier)


def marker(identifier: str) -> bytes:
    return f"\n%sealed-for:{identifier}".encode()
