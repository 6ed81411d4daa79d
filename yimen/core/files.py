"""Uploaded files recognised by what their bytes are, never by what their name says.

Each app accepts its own kinds (case materials: PDF, images, OFD, DOCX; a publication's attachments: PDF,
DOCX, XLSX, OFD) from the one list here. A format is known by its first bytes; the zip-based ones (DOCX,
XLSX, OFD) by the entry a reader of that format needs, read from the archive's directory without
extracting anything.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from yimen.core.errors import ApplicationError


@dataclass(frozen=True)
class Kind:
    label: str
    content_type: str
    extension: str


PDF = Kind("PDF", "application/pdf", "pdf")
JPEG = Kind("JPEG", "image/jpeg", "jpg")
PNG = Kind("PNG", "image/png", "png")
DOCX = Kind("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = Kind("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
OFD = Kind("OFD", "application/ofd", "ofd")

# The first bytes of each format; zip-based formats are told apart by the entry they must contain.
SIGNATURES: tuple[tuple[bytes, Kind], ...] = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
)
ZIP = b"PK\x03\x04"
ZIP_ENTRIES: tuple[tuple[str, Kind], ...] = (
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
    ("OFD.xml", OFD),
)


def listed(kinds: Sequence[Kind]) -> str:
    """The kinds for a message: PDF、DOCX、XLSX 或 OFD."""
    labels = [kind.label for kind in kinds]
    return f"{'、'.join(labels[:-1])} 或 {labels[-1]}" if len(labels) > 1 else labels[0]


def display_name(upload: UploadedFile) -> str:
    """The name the person gave the file, without any folder, at most 200 characters."""
    return os.path.basename(upload.name or "未命名文件")[:200]


def _zip_entries(stream: IO[bytes]) -> set[str]:
    try:
        with zipfile.ZipFile(stream) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()


def kind_of(stream: IO[bytes], accepted: Sequence[Kind]) -> Kind | None:
    """Which of the `accepted` kinds the content of `stream` (seekable) is; None for any other content.
    The stream is left at its start."""
    stream.seek(0)
    head = stream.read(8)
    found = next((kind for magic, kind in SIGNATURES if head.startswith(magic) and kind in accepted), None)
    if found is None and head.startswith(ZIP):
        stream.seek(0)
        entries = _zip_entries(stream)
        found = next((kind for entry, kind in ZIP_ENTRIES if entry in entries and kind in accepted), None)
    stream.seek(0)
    return found


def recognise(
    stream: IO[bytes],
    *,
    name: str,
    size: int,
    accepted: Sequence[Kind],
    noun: str = "文件",
    field: str = "file",
) -> Kind:
    """What the file is by its content, or a Chinese refusal naming the file and the rule (empty, larger
    than YIMEN["UPLOAD_MAX_BYTES"], or none of the `accepted` kinds), its message under `field`."""
    limit: int = settings.YIMEN["UPLOAD_MAX_BYTES"]
    if size == 0:
        raise ApplicationError(
            f"{noun}“{name}”是空文件", fields={field: [f"{noun}“{name}”是空文件，请重新选择"]}
        )
    if size > limit:
        message = f"{noun}“{name}”超过 {limit / 1024 / 1024:g} MB"
        raise ApplicationError(message, fields={field: [f"{message}，请压缩或拆分后上传"]})
    kind = kind_of(stream, accepted)
    if kind is None:
        message = f"{noun}“{name}”不是有效的 {listed(accepted)} 文件（按内容识别）"
        raise ApplicationError(message, fields={field: [message]})
    return kind
