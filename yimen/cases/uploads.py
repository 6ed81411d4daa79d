"""Uploaded materials: recognised by their content, stored under a random name with their hash.

A file is accepted for what its bytes are (PDF, JPEG, PNG, OFD, DOCX), never for what its name says.
It goes to the default storage (a folder outside the web root, served only by a view that checks
permissions) under a random name, with its size and SHA-256 recorded.

Files are not part of a database transaction, so `all_or_nothing()` removes the files stored inside
it when the block fails: a refused application leaves no file behind.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from yimen.cases import services, transitions
from yimen.cases.models import Case, CaseFile
from yimen.catalog.models import ServiceItem
from yimen.core import audit
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.people import Applicant
from yimen.org.models import Staff, Window

KINDS = "PDF、JPEG、PNG、OFD 或 DOCX"


@dataclass(frozen=True)
class Kind:
    label: str
    content_type: str
    extension: str


PDF = Kind("PDF", "application/pdf", "pdf")
JPEG = Kind("JPEG", "image/jpeg", "jpg")
PNG = Kind("PNG", "image/png", "png")
DOCX = Kind("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
OFD = Kind("OFD", "application/ofd", "ofd")

# The first bytes of each format; zip-based formats are told apart by the entry they must contain.
SIGNATURES: list[tuple[bytes, Kind]] = [(b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG)]
ZIP_ENTRIES: list[tuple[str, Kind]] = [("word/document.xml", DOCX), ("OFD.xml", OFD)]


@dataclass(frozen=True)
class Upload:
    """One file for one material of the item's list (申请材料)."""

    material: str
    file: UploadedFile


def _display_name(upload: UploadedFile) -> str:
    return os.path.basename(upload.name or "未命名文件")[:200]


def _zip_kind(upload: UploadedFile) -> Kind | None:
    """DOCX or OFD by the entries a reader needs; the archive's directory is read, nothing is extracted."""
    upload.seek(0)
    if upload.file is None:
        return None
    try:
        with zipfile.ZipFile(upload.file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return next((kind for entry, kind in ZIP_ENTRIES if entry in names), None)


def detect(upload: UploadedFile) -> Kind:
    """What the file is by its content, or a Chinese refusal naming the file and the rule."""
    name = _display_name(upload)
    limit: int = settings.YIMEN["UPLOAD_MAX_BYTES"]
    size = upload.size or 0
    if size == 0:
        raise ApplicationError(
            f"文件“{name}”是空文件", fields={"file": [f"文件“{name}”是空文件，请重新选择"]}
        )
    if size > limit:
        message = f"文件“{name}”超过 {limit / 1024 / 1024:g} MB"
        raise ApplicationError(message, fields={"file": [f"{message}，请压缩或拆分后上传"]})
    upload.seek(0)
    head = upload.read(8)
    kind = next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)
    if kind is None and head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(upload)
    upload.seek(0)
    if kind is None:
        message = f"文件“{name}”不是有效的 {KINDS} 文件（按内容识别）"
        raise ApplicationError(message, fields={"file": [message]})
    return kind


def may_take_in(by: Staff, case: Case) -> bool:
    """Intake staff of the case's organisation, or the 综合窗口 that took the case (一窗受理)."""
    return transitions.may_act(by, "case.intake", case)


_stored: ContextVar[list[str] | None] = ContextVar("yimen_cases_stored_files", default=None)


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """One database transaction; the files stored inside it are deleted if it rolls back."""
    outer = _stored.get()
    names: list[str] = []
    token = _stored.set(names)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        storage = CaseFile._meta.get_field("file").storage
        for name in names:
            storage.delete(name)
        raise
    finally:
        _stored.reset(token)
    if outer is not None:
        outer.extend(names)  # the enclosing block may still roll back


def store_material(*, case: Case, material: str, upload: UploadedFile, by: Staff | None) -> CaseFile:
    """Keep one uploaded material of an open case: content checked, random name, size and SHA-256."""
    if by is not None and not may_take_in(by, case):
        raise NotPermitted("您无权为该办件上传材料")
    if not case.is_open:
        raise TransitionError(f"办件当前为“{case.get_state_display()}”，不能再上传材料")
    if not case.version.materials.filter(name=material).exists():
        raise ApplicationError(
            f"材料“{material}”不在该事项的申请材料目录中",
            fields={"material": [f"材料名称：“{material}”不在该事项的申请材料目录中"]},
        )
    kind = detect(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with all_or_nothing():
        stored = CaseFile(
            case=case,
            material=material[:200],
            name=_display_name(upload),
            content_type=kind.content_type,
            size=upload.size or 0,
            sha256=digest.hexdigest(),
            uploaded_by=by,
        )
        stored.file.save(f"{uuid.uuid4().hex}.{kind.extension}", upload, save=False)
        names = _stored.get()
        assert names is not None
        names.append(stored.file.name)
        stored.save()
        audit.record(
            "cases.material_stored",
            case,
            actor=by or "申请人",
            after={
                "material": stored.material,
                "name": stored.name,
                "content_type": stored.content_type,
                "size": stored.size,
                "sha256": stored.sha256,
            },
        )
    return stored


def submit_with_materials(
    *,
    item: ServiceItem,
    applicant: Applicant,
    channel: str,
    uploads: Sequence[Upload],
    by: Staff | None = None,
    window: Window | None = None,
    idempotency_key: str | None = None,
) -> services.Submitted:
    """申报 with its files: every file is checked before anything is written, and the case and its
    files are kept together or not at all. A repeat of a keyed submission keeps no file and returns the
    case the first one filed. Call inside `all_or_nothing()` to add further steps."""
    refused: dict[str, list[str]] = {}
    for upload in uploads:
        try:
            detect(upload.file)
        except ApplicationError as exc:
            refused.setdefault(upload.material, []).extend(exc.fields["file"])
    if refused:
        first = next(iter(refused.values()))[0]
        raise ApplicationError(first, fields=refused)
    with all_or_nothing():
        submitted = services.submit_once(
            item=item,
            applicant=applicant,
            channel=channel,
            by=by,
            window=window,
            idempotency_key=idempotency_key,
        )
        if not submitted.repeated:
            for upload in uploads:
                store_material(case=submitted.case, material=upload.material, upload=upload.file, by=by)
    return submitted
