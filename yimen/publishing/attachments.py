"""A publication's attachments: PDF, DOCX, XLSX or OFD, recognised by content, text extracted for search.

The file is accepted for what its bytes are and what it holds, never for its name (`core.files`, as case
materials are), at most MAX_FILES of them and the upload quota per publication, stored under a random
name with its size and SHA-256, and its text is read once, at upload, within bounds: PDF by poppler's
`pdftotext` (a separate process, killed after PDFTOTEXT_SECONDS, its output read up to the text limit),
DOCX, XLSX and OFD by streaming their XML parts through expat (no tree is built, no DTD is accepted),
reading at most EXTRACT_MAX_BYTES of unpacked XML and keeping at most TEXT_LIMIT characters. A file whose
text is longer is kept with the text read so far (a note goes to the log); a file whose text cannot be
read is still kept; it is found by its name and the publication's text.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import subprocess
import tempfile
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any
from xml.parsers import expat

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Sum
from django.http import FileResponse

from yimen.core import files
from yimen.core.downloads import stored_file_response
from yimen.core.errors import ApplicationError
from yimen.publishing.models import Attachment, Publication

log = logging.getLogger(__name__)

# What an attachment may be (core.files recognises them by content).
ACCEPTED = (files.PDF, files.DOCX, files.XLSX, files.OFD)
MAX_FILES = 20
TEXT_LIMIT = 200_000  # characters of extracted text kept per file
EXTRACT_MAX_BYTES = 16 * 1024 * 1024  # unpacked XML read per file for its text
PDFTOTEXT_SECONDS = 30
CHUNK = 64 * 1024


class _Enough(Exception):
    """The text limit or the reading budget is reached: stop, keep what was read."""


class _Text:
    """Lines of text, at most TEXT_LIMIT characters, and at most EXTRACT_MAX_BYTES of XML read for them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.chars = 0
        self.read = 0
        self.cut = ""

    def add(self, text: str) -> None:
        room = TEXT_LIMIT - self.chars
        self.current.append(text[:room])
        self.chars += min(len(text), room)
        if len(text) > room:
            self.cut = f"前 {TEXT_LIMIT} 字"
            raise _Enough

    def newline(self) -> None:
        if self.current:
            self.lines.append("".join(self.current))
            self.current = []

    def reading(self, size: int) -> None:
        self.read += size
        if self.read > EXTRACT_MAX_BYTES:
            self.cut = f"前 {EXTRACT_MAX_BYTES // 1024 // 1024} MB XML"
            raise _Enough

    def value(self) -> str:
        self.newline()
        return "\n".join(line for line in self.lines if line.strip())


Handler = Callable[..., Any]


def _stream_xml(
    archive: zipfile.ZipFile,
    part: str,
    text: _Text,
    handlers: dict[str, Handler],
    limit: int = EXTRACT_MAX_BYTES,
) -> None:
    """Feed one part to expat in chunks, counting what is read (at most `limit` of this part); a DTD (and
    so any entity) is refused."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def no_dtd(*args: Any) -> None:
        raise ValueError("DTD in an Office part")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    for name, handler in handlers.items():
        setattr(parser, name, handler)
    read = 0
    with archive.open(part) as stream:
        while chunk := stream.read(CHUNK):
            text.reading(len(chunk))
            read += len(chunk)
            if read > limit:
                text.cut = f"“{part}”的前 {limit // 1024 // 1024} MB"
                raise _Enough
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _docx_text(archive: zipfile.ZipFile, text: _Text) -> None:
    """word/document.xml: the text runs (w:t), a line per paragraph (table cells are paragraphs too)."""
    inside = [0]

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "t":
            inside[0] += 1
        elif local == "tab":
            text.add("\t")

    def end(name: str) -> None:
        local = _local(name)
        if local == "t":
            inside[0] -= 1
        elif local == "p":
            text.newline()

    def data(chunk: str) -> None:
        if inside[0]:
            text.add(chunk)

    handlers: dict[str, Handler] = {
        "StartElementHandler": start,
        "EndElementHandler": end,
        "CharacterDataHandler": data,
    }
    _stream_xml(archive, "word/document.xml", text, handlers)


def _xlsx_text(archive: zipfile.ZipFile, text: _Text) -> None:
    """Each sheet's name, then its rows, cells joined by a space; shared strings kept within the limit."""
    shared: list[str] = []
    budget = [TEXT_LIMIT]
    piece: list[str] = []
    inside = [0]

    def s_start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "t":
            inside[0] += 1

    def s_end(name: str) -> None:
        local = _local(name)
        if local == "t":
            inside[0] -= 1
        elif local == "si":
            if budget[0] <= 0:  # the strings past the text limit would be cut from the text anyway
                text.cut = f"共享字符串的前 {TEXT_LIMIT} 字"
                raise _Enough
            value = "".join(piece)[: budget[0]]
            budget[0] -= len(value)
            shared.append(value)
            piece.clear()

    def s_data(chunk: str) -> None:
        if inside[0]:
            piece.append(chunk)

    names = set(archive.namelist())
    if "xl/sharedStrings.xml" in names:
        handlers: dict[str, Handler] = {
            "StartElementHandler": s_start,
            "EndElementHandler": s_end,
            "CharacterDataHandler": s_data,
        }
        try:  # half the budget at most, so the sheets are read too; strings past it read as empty
            _stream_xml(archive, "xl/sharedStrings.xml", text, handlers, limit=EXTRACT_MAX_BYTES // 2)
        except _Enough:
            log.warning("the shared strings of an XLSX attachment were cut at the %s", text.cut)
    for title, part in _sheets(archive, text):
        if part not in names:
            continue
        text.add(title)
        text.newline()
        _sheet_rows(archive, part, text, shared)


def _sheets(archive: zipfile.ZipFile, text: _Text) -> list[tuple[str, str]]:
    """(title, part) of each sheet in the workbook's order."""
    sheets: list[tuple[str, str]] = []
    targets: dict[str, str] = {}

    def sheet(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            sheets.append((attrs.get("name", ""), rid))

    def relation(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            target = attrs.get("Target", "")
            targets[attrs.get("Id", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"

    _stream_xml(archive, "xl/workbook.xml", text, {"StartElementHandler": sheet})
    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        _stream_xml(archive, "xl/_rels/workbook.xml.rels", text, {"StartElementHandler": relation})
    return [(title, targets.get(rid, "")) for title, rid in sheets]


def _sheet_rows(archive: zipfile.ZipFile, part: str, text: _Text, shared: list[str]) -> None:
    row: list[str] = []
    cell: dict[str, Any] = {"type": "", "value": [], "inside": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "c":
            cell.update(type=attrs.get("t", ""), value=[], inside=False)
        elif local in ("v", "t"):
            cell["inside"] = True

    def end(name: str) -> None:
        local = _local(name)
        if local in ("v", "t"):
            cell["inside"] = False
        elif local == "c":
            value = "".join(cell["value"])
            if cell["type"] == "s":
                value = shared[int(value)] if value.isdigit() and int(value) < len(shared) else ""
            if value:
                row.append(value)
        elif local == "row":
            if row:
                text.add(" ".join(row))
                text.newline()
            row.clear()

    def data(chunk: str) -> None:
        if cell["inside"]:
            cell["value"].append(chunk)

    _stream_xml(
        archive,
        part,
        text,
        {"StartElementHandler": start, "EndElementHandler": end, "CharacterDataHandler": data},
    )


def _ofd_text(archive: zipfile.ZipFile, text: _Text) -> None:
    """OFD (GB/T 33190): the text of every page's content, in its `TextCode` elements, a line each."""
    inside = [0]

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "TextCode":
            inside[0] += 1

    def end(name: str) -> None:
        if _local(name) == "TextCode":
            inside[0] -= 1
            text.newline()

    def data(chunk: str) -> None:
        if inside[0]:
            text.add(chunk)

    handlers: dict[str, Handler] = {
        "StartElementHandler": start,
        "EndElementHandler": end,
        "CharacterDataHandler": data,
    }
    for page in sorted(n for n in archive.namelist() if n.endswith("Content.xml")):
        _stream_xml(archive, page, text, handlers)


def _pdf_text(stream: IO[bytes], text: _Text) -> None:
    """pdftotext in its own process, fed from a private temporary file, stopped after PDFTOTEXT_SECONDS,
    its output read only up to the text limit."""
    tool = shutil.which("pdftotext")
    if tool is None:
        log.warning("pdftotext is not installed: PDF attachments are not searchable by their text")
        return
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as source:
        stream.seek(0)
        shutil.copyfileobj(stream, source)
        source.seek(0)
        process = subprocess.Popen(
            [tool, "-q", "-enc", "UTF-8", "-", "-"],
            stdin=source,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        timer = threading.Timer(PDFTOTEXT_SECONDS, process.kill)
        timer.start()
        try:
            assert process.stdout is not None
            output = process.stdout.read(TEXT_LIMIT * 4 + 1)  # UTF-8: at most 4 bytes a character
        finally:
            timer.cancel()
            process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
    for line in output.decode("utf-8", "replace").split("\n"):
        text.add(line)
        text.newline()


EXTRACTORS: dict[str, Callable[[zipfile.ZipFile, _Text], None]] = {
    files.DOCX.label: _docx_text,
    files.XLSX.label: _xlsx_text,
    files.OFD.label: _ofd_text,
}


def extract_text(kind: files.Kind, stream: IO[bytes]) -> str:
    """The file's text for search, bounded in memory and time; empty when it cannot be read (the file is
    kept all the same), cut short (with a note in the log) when it is longer than the limits."""
    text = _Text()
    try:
        stream.seek(0)
        if kind == files.PDF:
            _pdf_text(stream, text)
        else:
            with zipfile.ZipFile(stream) as archive:
                EXTRACTORS[kind.label](archive, text)
    except _Enough:
        log.warning("the text of a %s attachment was cut at the %s", kind.label, text.cut)
    except Exception:  # a damaged file must not refuse the publication; it is only less findable
        log.warning("could not read the text of a %s attachment", kind.label, exc_info=True)
        return ""
    finally:
        stream.seek(0)
    return re.sub("\x00", "", text.value())[:TEXT_LIMIT]


class Checked:
    """An upload recognised by content, checked and hashed, ready to be stored (read from its file as it
    is needed, never held whole in memory)."""

    def __init__(self, upload: UploadedFile):
        self.upload = upload
        self.name = files.display_name(upload)
        self.size = upload.size or 0
        self.kind = files.recognise(
            upload, name=self.name, size=self.size, accepted=ACCEPTED, noun="附件", field="files"
        )
        digest = hashlib.sha256()
        upload.seek(0)
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        self.sha256 = digest.hexdigest()


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


def store(publication: Publication, checked: Iterable[Checked], stored: list[str]) -> list[Attachment]:
    """Save the files after the publication's existing ones, within the upload quota of one publication;
    their storage names go into `stored` so the caller can delete them if its transaction rolls back."""
    checked = list(checked)
    kept = publication.attachments.aggregate(count=Count("pk"), size=Sum("size"))
    files.check_quota(
        [item.size for item in checked],
        kept_count=kept["count"],
        kept_bytes=kept["size"] or 0,
        whole="一条信息",
        field="files",
    )
    first = kept["count"] + 1
    saved: list[Attachment] = []
    for position, item in enumerate(checked, start=first):
        attachment = Attachment(
            publication=publication,
            name=item.name,
            content_type=item.kind.content_type,
            size=item.size,
            sha256=item.sha256,
            text=extract_text(item.kind, item.upload),
            position=position,
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{item.kind.extension}", item.upload, save=False)
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


def download(attachment: Attachment) -> FileResponse:
    """The stored file, streamed, under its title with the extension of what it is (“材料.html” holding a
    PDF is saved as 材料.pdf): core.downloads, an attachment, not sniffed."""
    extension = attachment.file.name.rsplit(".", 1)[-1]  # the stored name: ours, always the kind's
    stem = attachment.name.rsplit(".", 1)[0] if "." in attachment.name else attachment.name
    return stored_file_response(
        attachment.file, filename=files.download_name(stem, extension), content_type=attachment.content_type
    )
