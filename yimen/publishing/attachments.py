"""A publication's attachments: PDF, DOCX, XLSX or OFD, recognised by content, text extracted for search.

The file is accepted for what its bytes are, never for its name (`core.files`, as case materials are),
stored under a random name with its size and SHA-256, and its text is read once,
at upload: PDF by poppler's `pdftotext`, DOCX by python-docx, XLSX by openpyxl, OFD from its page XML.
A file whose text cannot be read is still kept; it is found by its name and the publication's text.
"""

from __future__ import annotations

import hashlib
import io
import logging
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from xml.etree import ElementTree

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse

from yimen.core import files
from yimen.core.downloads import file_response
from yimen.core.errors import ApplicationError
from yimen.publishing.models import Attachment, Publication

log = logging.getLogger(__name__)

# What an attachment may be (core.files recognises them by content).
ACCEPTED = (files.PDF, files.DOCX, files.XLSX, files.OFD)
MAX_FILES = 20
TEXT_LIMIT = 200_000  # characters of extracted text kept per file
PDFTOTEXT_SECONDS = 30


def _pdf_text(data: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        log.warning("pdftotext is not installed: PDF attachments are not searchable by their text")
        return ""
    result = subprocess.run(
        [tool, "-q", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        timeout=PDFTOTEXT_SECONDS,
        check=False,
    )
    return result.stdout.decode("utf-8", "replace")


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _xlsx_text(data: bytes) -> str:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    lines: list[str] = []
    try:
        for sheet in book.worksheets:
            lines.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                cells = [str(v) for v in row if v not in (None, "")]
                if cells:
                    lines.append(" ".join(cells))
    finally:
        book.close()
    return "\n".join(lines)


def _ofd_text(data: bytes) -> str:
    """OFD (GB/T 33190): the text of every page's content, in its `TextCode` elements."""
    lines: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pages = sorted(n for n in archive.namelist() if n.endswith("Content.xml"))
        for page in pages:
            root = ElementTree.fromstring(archive.read(page))  # nosec B314  # the standard library's expat resolves no external entity and caps entity expansion (tests/security/test_static_checks.py)
            lines.extend(el.text or "" for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "TextCode")
    return "\n".join(lines)


EXTRACTORS = {
    files.PDF.label: _pdf_text,
    files.DOCX.label: _docx_text,
    files.XLSX.label: _xlsx_text,
    files.OFD.label: _ofd_text,
}


def extract_text(kind: files.Kind, data: bytes) -> str:
    """The file's text for search; empty when it cannot be read (the file is kept all the same)."""
    try:
        text = EXTRACTORS[kind.label](data)
    except Exception:  # a damaged file must not refuse the publication; it is only less findable
        log.warning("could not read the text of a %s attachment", kind.label, exc_info=True)
        return ""
    return text.replace("\x00", "")[:TEXT_LIMIT]


class Checked:
    """An upload read, recognised and hashed, ready to be stored."""

    def __init__(self, upload: UploadedFile):
        self.name = files.display_name(upload)
        upload.seek(0)
        self.data = upload.read()
        self.kind = files.recognise(
            io.BytesIO(self.data),
            name=self.name,
            size=len(self.data),
            accepted=ACCEPTED,
            noun="附件",
            field="files",
        )
        self.sha256 = hashlib.sha256(self.data).hexdigest()


def check_all(files: Sequence[UploadedFile]) -> list[Checked]:
    """Every file checked before anything is written; all refusals reported together."""
    if len(files) > MAX_FILES:
        raise ApplicationError(
            f"附件不能超过 {MAX_FILES} 个", fields={"files": [f"附件：最多 {MAX_FILES} 个"]}
        )
    checked: list[Checked] = []
    problems: list[str] = []
    for upload in files:
        try:
            checked.append(Checked(upload))
        except ApplicationError as exc:
            problems.extend(exc.fields["files"])
    if problems:
        raise ApplicationError(problems[0], fields={"files": problems})
    return checked


def store(publication: Publication, files: Iterable[Checked], stored: list[str]) -> list[Attachment]:
    """Save the files after the publication's existing ones; their storage names go into `stored` so the
    caller can delete them if its transaction rolls back."""
    from django.core.files.base import ContentFile

    first = publication.attachments.count() + 1
    saved: list[Attachment] = []
    for position, item in enumerate(files, start=first):
        attachment = Attachment(
            publication=publication,
            name=item.name,
            content_type=item.kind.content_type,
            size=len(item.data),
            sha256=item.sha256,
            text=extract_text(item.kind, item.data),
            position=position,
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{item.kind.extension}", ContentFile(item.data), save=False)
        stored.append(attachment.file.name)
        attachment.save()
        saved.append(attachment)
    return saved


def discard(names: Iterable[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def discard_unused(names: Iterable[str]) -> None:
    """Delete the files no attachment refers to any more (a revision shares its item's files)."""
    names = set(names)
    used = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
    discard(names - used)


def download(attachment: Attachment) -> HttpResponse:
    """The stored file under its original name (core.downloads: RFC 6266, no type sniffing)."""
    with attachment.file.open("rb") as stored:
        content = stored.read()
    extension = attachment.file.name.rsplit(".", 1)[-1]  # the stored name: ours, always ASCII
    return file_response(
        content,
        filename=attachment.name,
        fallback=f"attachment-{attachment.pk}.{extension}",
        content_type=attachment.content_type,
    )
