"""Uploaded materials: recognised by their content, stored under a random name with their hash.

A file is accepted for what its bytes are (PDF, JPEG, PNG, OFD, DOCX: core.files, which also checks its
structure), never for what its name says; one application holds at most YIMEN["UPLOAD_MAX_FILES"] files
of YIMEN["UPLOAD_MAX_TOTAL_BYTES"] in all. It goes to the default storage (a folder outside the web root,
served only by a view that checks permissions) under a random name, with its size and SHA-256 recorded.
The name the applicant gave it is kept as text to show; it is downloaded as `served_name` — the
material's name, the file's number and the extension of what it is (OWASP ASVS 4.0.3 V12.3.1, V12.5.2).

Files are not part of a database transaction, so `all_or_nothing()` removes the files stored inside
it when the block fails: a refused application leaves no file behind.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Sum

from yimen.cases import transitions
from yimen.cases.models import Case, CaseFile
from yimen.cases.services import intake
from yimen.cases.transitions import updated
from yimen.catalog.models import ServiceItem
from yimen.core import audit, files
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.people import Applicant
from yimen.org.models import Staff, Window

# What a case material may be (core.files recognises them by content).
ACCEPTED = (files.PDF, files.JPEG, files.PNG, files.OFD, files.DOCX)
KINDS = files.listed(ACCEPTED)


@dataclass(frozen=True)
class Upload:
    """One file for one material of the item's list (申请材料)."""

    material: str
    file: UploadedFile


def detect(upload: UploadedFile) -> files.Kind:
    """What the file is by its content, or a Chinese refusal naming the file and the rule."""
    return files.recognise(upload, name=files.display_name(upload), size=upload.size or 0, accepted=ACCEPTED)


def served_name(stored: CaseFile) -> str:
    """The name a material is downloaded under: 营业执照-12.pdf (its material, its number, the extension of
    the kind found by content), never the applicant's `scan.html`."""
    extension = stored.file.name.rsplit(".", 1)[-1]  # the stored name: ours, always the kind's extension
    return files.download_name(f"{stored.material}-{stored.pk}", extension)


def check_quota(sizes: Sequence[int], *, case: Case | None = None) -> None:
    """The application's files, with those its case already has, within the upload quota."""
    kept = case.files.aggregate(count=Count("pk"), size=Sum("size")) if case else {"count": 0, "size": 0}
    files.check_quota(sizes, kept_count=kept["count"], kept_bytes=kept["size"] or 0, field="files")


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
    check_quota([upload.size or 0], case=case)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with all_or_nothing():
        stored = CaseFile(
            case=case,
            material=material[:200],
            name=files.display_name(upload),
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
        updated(case, "file_added")
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
) -> intake.Submitted:
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
    check_quota([upload.file.size or 0 for upload in uploads])
    with all_or_nothing():
        submitted = intake.submit_once(
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
