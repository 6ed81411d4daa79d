"""Uploaded files recognised by what their bytes are, never by what their name says, and checked for
what they hold. The one module every upload path asks (case materials, a publication's attachments, the
spreadsheet imports), so the rules are written once.

Each app accepts its own kinds (case materials: PDF, images, OFD, DOCX; a publication's attachments: PDF,
DOCX, XLSX, OFD) from the one list here. A format is known by its first bytes; the zip-based ones (DOCX,
XLSX, OFD) by the entry a reader of that format needs, read from the archive's directory. Then its
structure is checked (OWASP ASVS 4.0.3 V12.1.2, V12.2.1; GB/T 22239-2019 8.1.4.4 d, 恶意代码防范):

- PDF: starts with ``%PDF-`` and ends with ``%%EOF`` with nothing before or after (a PDF/HTML polyglot is
  refused), parses (pypdf), opens without a password, and holds no active content: no JavaScript, no
  launch, form-submit or import actions, no additional-actions (/AA) triggers, no XFA forms, no embedded
  program. Such a file is **refused**, not flagged: an application's scan or a published notice never needs
  them, and a clerk who opens a flagged file runs what it carries all the same.
- JPEG, PNG: Pillow opens and decodes the image (a JPEG at one eighth of its size, which reads every
  block), at most `MAX_IMAGE_PIXELS`.
- DOCX, XLSX, OFD: from the zip directory, before anything is extracted: at most `MAX_ZIP_ENTRIES` parts,
  at most `MAX_UNPACKED_BYTES` in all, no part (and not the whole) unpacking to more than `MAX_RATIO` times
  its packed size; only the parts of the format (OOXML: ``[Content_Types].xml``, ``_rels/``, ``docProps/``,
  ``customXml/`` and ``word/`` or ``xl/``), no folder tricks in a name, no program, no macro
  (``vbaProject.bin``, a macro-enabled content type), no ActiveX control and no embedded OLE object, by
  name or by first bytes; an embedded Office package is checked by the same rules.

A file's size limit and the quota of one application (count and bytes) come from settings.YIMEN
(``UPLOAD_MAX_BYTES``, ``UPLOAD_MAX_FILES``, ``UPLOAD_MAX_TOTAL_BYTES``); `core.upload_limits` applies them
to the request body as it arrives.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

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
KINDS = (PDF, JPEG, PNG, DOCX, XLSX, OFD)

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

# Bounds of the structure checks (constants: they guard the server, they are no office's choice).
MAX_ZIP_ENTRIES = 5000
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_RATIO = 100  # unpacked / packed; text XML packs 5–30 times, a zip bomb about 1,000 times
RATIO_FROM_BYTES = 1024 * 1024  # a part smaller than this unpacked may pack as well as it likes
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
MAX_IMAGE_PIXELS = 64_000_000  # an A4 page scanned at 600 dpi is 35 million
MAX_PDF_OBJECTS = 30_000
NESTED_DEPTH = 2

# Parts each zip-based format may hold (lower case; OFD's folders are named in its OFD.xml, any name).
OOXML_COMMON = ("[content_types].xml", "_rels/", "docprops/", "customxml/")
PARTS: dict[str, tuple[str, ...]] = {
    DOCX.label: (*OOXML_COMMON, "word/"),
    XLSX.label: (*OOXML_COMMON, "xl/"),
    "PPTX": (*OOXML_COMMON, "ppt/"),  # only as a package embedded in a document
}
EXECUTABLE_EXTENSIONS = frozenset(
    [
        "exe",
        "dll",
        "com",
        "bat",
        "cmd",
        "scr",
        "pif",
        "msi",
        "msp",
        "cpl",
        "sys",
        "drv",
        "ocx",
        "js",
        "jse",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "ws",
        "ps1",
        "psm1",
        "hta",
        "jar",
        "class",
        "sh",
        "bash",
        "elf",
        "so",
        "dylib",
        "app",
        "apk",
        "dex",
        "lnk",
        "reg",
        "inf",
        "scf",
        "url",
        "iso",
        "img",
        "vhd",
        "chm",
    ]
)
# First bytes of programs and of OLE compound files (an OLE object or a VBA project inside a package).
PROGRAM_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",
    b"\xcf\xfa\xed\xfe",
    b"\xfe\xed\xfa",
    b"#!",
    b"dex\n",
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO_CONTENT_TYPES = ("macroenabled", "vbaproject", "activex", "oleobject", "vnd.ms-office.vba")
OFFICE_EMBEDDINGS = (".docx", ".xlsx", ".pptx")

# A PDF must not run anything: these keys, and actions of these types (/S), refuse it.
PDF_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/XFA", "/RichMedia"})
PDF_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/RichMediaExecute", "/GoToE", "/Rendition"}
)
PDF_TAIL_BYTES = 1024  # a reader looks for %%EOF in the last 1,024 bytes
CHUNK = 64 * 1024
# HTML a browser would recognise, where a PDF or image has none (before or after the format's content).
HTML_MARKERS = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed|style|title|meta|a\s+href)\b",
    re.IGNORECASE,
)

log = logging.getLogger(__name__)


def listed(kinds: Sequence[Kind]) -> str:
    """The kinds for a message: PDF、DOCX、XLSX 或 OFD."""
    labels = [kind.label for kind in kinds]
    return f"{'、'.join(labels[:-1])} 或 {labels[-1]}" if len(labels) > 1 else labels[0]


def megabytes(size: int) -> str:
    """A size for a message: 20 MB, 0.5 KB."""
    return f"{size / 1024 / 1024:g} MB" if size >= 1024 * 1024 else f"{size / 1024:g} KB"


def _clean(text: str) -> str:
    """NFC, without control or format characters (a right-to-left override turns “gpj.exe” around)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))


def display_name(upload: UploadedFile) -> str:
    """The name the person gave the file, shown as text only: without any folder (either slash), control
    or direction characters, at most 200 characters. It never names a stored file or a download."""
    name = _clean((upload.name or "").replace("\\", "/")).rsplit("/", 1)[-1].strip()
    return name[:200] or "未命名文件"


WINDOWS_RESERVED = re.compile(r'[<>:"/\\|?*]')


def download_name(stem: str, kind_or_extension: Kind | str) -> str:
    """The name a download is saved under: `stem` (ours: a material's name and a number, or a document's
    title) made safe for any file system, and the extension of the kind found by content, never the one
    the uploader typed (so `scan.html` holding a PDF is saved as a .pdf)."""
    extension = kind_or_extension if isinstance(kind_or_extension, str) else kind_or_extension.extension
    stem = WINDOWS_RESERVED.sub("_", _clean(stem)).strip(" .")[:80].strip(" .") or "file"
    return f"{stem}.{extension}"


def served_type(content_type: str) -> str:
    """The Content-Type a stored upload is served with: one of the kinds here, else octet-stream (never
    text/html or image/svg+xml, whatever a row says)."""
    return (
        content_type if content_type in {kind.content_type for kind in KINDS} else "application/octet-stream"
    )


def _zip_entries(stream: IO[bytes]) -> set[str]:
    try:
        with zipfile.ZipFile(stream) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return set()


def kind_of(stream: IO[bytes], accepted: Sequence[Kind]) -> Kind | None:
    """Which of the `accepted` kinds the content of `stream` (seekable) is; None for any other content.
    Only the first bytes (and a zip's directory) are read: `recognise` checks the structure. The stream is
    left at its start."""
    stream.seek(0)
    head = stream.read(8)
    found = next((kind for magic, kind in SIGNATURES if head.startswith(magic) and kind in accepted), None)
    if found is None and head.startswith(ZIP):
        stream.seek(0)
        entries = _zip_entries(stream)
        found = next((kind for entry, kind in ZIP_ENTRIES if entry in entries and kind in accepted), None)
    stream.seek(0)
    return found


class Refused(Exception):
    """What is wrong with a file's content, as the end of a Chinese sentence about it."""


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
    than YIMEN["UPLOAD_MAX_BYTES"], none of the `accepted` kinds, or a structure this module refuses), its
    message under `field`. The stream is left at its start."""
    limit: int = settings.YIMEN["UPLOAD_MAX_BYTES"]
    if size == 0:
        raise ApplicationError(
            f"{noun}“{name}”是空文件", fields={field: [f"{noun}“{name}”是空文件，请重新选择"]}
        )
    if size > limit:
        message = f"{noun}“{name}”超过 {megabytes(limit)}"
        raise ApplicationError(message, fields={field: [f"{message}，请压缩或拆分后上传"]})
    kind = kind_of(stream, accepted)
    if kind is None:
        message = f"{noun}“{name}”不是有效的 {listed(accepted)} 文件（按内容识别）"
        raise ApplicationError(message, fields={field: [message]})
    try:
        inspect(stream, kind, size)
    except Refused as refused:
        message = f"{noun}“{name}”{refused}"
        raise ApplicationError(message, fields={field: [message]}) from None
    finally:
        stream.seek(0)
    return kind


def inspect(stream: IO[bytes], kind: Kind, size: int) -> None:
    """Check the structure of a file already known to be of `kind`; `Refused` says what is wrong."""
    stream.seek(0)
    if kind == PDF:
        _inspect_pdf(stream, size)
    elif kind in (JPEG, PNG):
        _inspect_image(stream, kind)
    else:
        _inspect_package(stream, kind.label, size, depth=0)


# --- quotas -------------------------------------------------------------------------------------------


def check_quota(
    sizes: Sequence[int],
    *,
    kept_count: int = 0,
    kept_bytes: int = 0,
    whole: str = "一件申请",
    field: str = "file",
) -> None:
    """One application's files (`sizes`, and those it already has) within YIMEN["UPLOAD_MAX_FILES"] and
    YIMEN["UPLOAD_MAX_TOTAL_BYTES"] (OWASP ASVS 4.0.3 V12.1.3, a quota per user), else a Chinese refusal
    under `field`."""
    most: int = settings.YIMEN["UPLOAD_MAX_FILES"]
    total: int = settings.YIMEN["UPLOAD_MAX_TOTAL_BYTES"]
    if kept_count + len(sizes) > most:
        message = f"{whole}最多上传 {most} 个文件（已有 {kept_count} 个，本次 {len(sizes)} 个）"
        raise ApplicationError(message, fields={field: [message]})
    if kept_bytes + sum(sizes) > total:
        message = f"{whole}的文件合计不能超过 {megabytes(total)}，请压缩后上传"
        raise ApplicationError(message, fields={field: [message]})


# --- PDF ----------------------------------------------------------------------------------------------
#
# A PDF is read twice. The bytes: every dictionary outside stream data, and inside the compressed object
# streams that hold most dictionaries of a modern PDF, is searched for the active names (any spelling,
# #hh escapes too; fast, and it finds objects no trailer leads to). Then pypdf: the file must parse,
# open without a password and have pages; the catalogue's triggers (/OpenAction, /AA, /Names, /AcroForm)
# and the names of embedded files are read, and every object reachable from the trailer while they number at most
# PDF_WALK_OBJECTS (a larger file was searched as bytes). An encrypted file (opened with the empty
# password) hides its object streams from the byte search, so it is walked whole. pypdf parses about
# 3,000 objects a second, so a file of more than MAX_PDF_OBJECTS is refused before it is parsed.

PDF_WALK_OBJECTS = 3000
MAX_PDF_INFLATED = 64 * 1024 * 1024  # object streams' text, in all


def _inspect_pdf(stream: IO[bytes], size: int) -> None:
    last = _content_end(stream, size)  # trailing white space (a scanner's padding) is harmless
    stream.seek(max(0, last - PDF_TAIL_BYTES))
    tail = stream.read(last - max(0, last - PDF_TAIL_BYTES))
    end = tail.rfind(b"%%EOF")
    if end < 0 and not HTML_MARKERS.search(tail):
        raise Refused("不是完整的 PDF 文件（缺少文件结尾 %%EOF），请重新导出后上传")
    if end < 0 or tail[end + 5 :].strip(PDF_SPACE) or HTML_MARKERS.search(tail[end:]):
        raise Refused("在 PDF 文件结尾之后夹带了其他内容（如网页代码），不予接收")
    stream.seek(0)
    if HTML_MARKERS.search(stream.read(1024)):
        raise Refused("在 PDF 内容之前夹带了网页代码，不予接收")
    stream.seek(0)
    searched = _pdf_raw_names(stream.read())
    stream.seek(0)
    _pdf_structure(stream, searched=searched)


PDF_SPACE = b" \t\r\n\x00\x0c"


def _content_end(stream: IO[bytes], size: int) -> int:
    """Where the file's content ends, before any trailing white space."""
    end = size
    while end > 0:
        start = max(0, end - CHUNK)
        stream.seek(start)
        kept = stream.read(end - start).rstrip(PDF_SPACE)
        if kept:
            return start + len(kept)
        end = start
    return 0


def _active(what: str) -> Refused:
    return Refused(f"含有可执行的动作或脚本（{what}），不予接收；请打印为普通 PDF 后上传")


def _pdf_structure(stream: IO[bytes], *, searched: bool) -> None:
    import pypdf
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged file's warnings are our refusal
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = pypdf.PdfReader(stream, strict=False)
            encrypted = reader.is_encrypted
            if encrypted and not reader.decrypt(""):
                raise Refused("已加密，请去除打开密码后上传")
            objects = sum(len(table) for table in reader.xref.values()) + len(reader.xref_objStm)
            if objects > MAX_PDF_OBJECTS:  # pypdf parses about 3,000 a second: a bound on the time spent
                raise Refused(f"含有 {objects} 个对象，超过 {MAX_PDF_OBJECTS} 个，请拆分或重新导出后上传")
            root: Any = reader.trailer["/Root"].get_object()
            pages: Any = root["/Pages"].get_object()
            if int(pages.get("/Count", 0)) <= 0:
                raise Refused("没有页面，不是有效的 PDF 文件")
            for key in ("/OpenAction", "/AA", "/Names", "/AcroForm"):
                if key in root:
                    for found in _pdf_dictionaries(root[key], PDF_WALK_OBJECTS):
                        _pdf_active(found)
            limit = MAX_PDF_OBJECTS if encrypted or not searched else PDF_WALK_OBJECTS
            try:
                for found in _pdf_dictionaries(reader.trailer, limit):
                    _pdf_active(found)
            except _TooMany:
                if encrypted or not searched:
                    raise Refused(f"对象超过 {limit} 个，无法检查，请去除密码或重新导出后上传") from None
    except Refused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise Refused("无法按 PDF 格式解析，请重新导出后上传") from exc
    except RecursionError as exc:
        raise Refused("结构嵌套过深，无法按 PDF 格式解析") from exc


class _TooMany(Exception):
    pass


def _pdf_dictionaries(start: Any, limit: int) -> Iterator[dict[Any, Any]]:
    """Every dictionary reachable from `start` (streams' dictionaries too, not their data); `_TooMany`
    after `limit` objects."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    pending: list[Any] = [start]
    visited = 0
    while pending:
        obj = pending.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        visited += 1
        if visited > limit:
            raise _TooMany
        if isinstance(obj, DictionaryObject):
            yield obj
            values: Iterable[Any] = dict.values(obj)
        elif isinstance(obj, ArrayObject):
            values = list.__iter__(obj)
        else:
            continue
        pending.extend(v for v in values if isinstance(v, (IndirectObject, DictionaryObject, ArrayObject)))


def _pdf_active(found: dict[Any, Any]) -> None:
    keys = {str(key) for key in found}
    active = keys & PDF_ACTIVE_KEYS
    action = str(found.get("/S", ""))
    if active or action in PDF_ACTIVE_ACTIONS:
        raise _active("、".join(sorted(active) or [action]))
    if "/EF" in keys or str(found.get("/Type", "")) == "/Filespec":  # a file carried inside the PDF
        for key in ("/F", "/UF"):
            if key in found and _executable(str(found[key])):
                raise Refused(f"内嵌了可执行程序“{found[key]}”，不予接收")


def _name_pattern(name: str) -> bytes:
    """A PDF name as raw bytes may spell any character as #hh (ISO 32000-1 7.3.5)."""
    parts = [f"(?:{re.escape(c)}|#{ord(c):02x})" for c in name]
    return rb"/" + "".join(parts).encode() + rb"(?=[\s/<>\[\]()%]|$)"


PDF_RAW_NAMES = re.compile(
    b"|".join(_name_pattern(n.lstrip("/")) for n in sorted(PDF_ACTIVE_KEYS | PDF_ACTIVE_ACTIONS)),
    re.IGNORECASE,
)
PDF_STREAM = re.compile(rb">>\s*stream\r?\n")
PDF_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b")
PDF_FLATE = re.compile(rb"/Filter\s*(?:\[\s*)?/FlateDecode\s*\]?")
PDF_OTHER_FILTER = re.compile(rb"/Filter|/DecodeParms")


def _pdf_search(text: bytes) -> None:
    found = PDF_RAW_NAMES.search(text)
    if found:
        spelt = found.group().decode("latin-1")
        raise _active(re.sub(r"#([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), spelt))


def _pdf_raw_names(data: bytes) -> bool:
    """The active names anywhere in the file outside stream data, and in the text of its object streams,
    reachable or not (a reader that rebuilds a damaged cross-reference table finds every object, not only
    those the trailer leads to). False when an object stream could not be read (another filter)."""
    position, inflated, complete = 0, 0, True
    while position < len(data):
        start = PDF_STREAM.search(data, position)
        segment = data[position : start.start() if start else len(data)]
        _pdf_search(segment)
        if start is None:
            break
        end = data.find(b"endstream", start.end())
        end = len(data) if end < 0 else end
        header = segment[segment.rfind(b"obj") :]
        if PDF_OBJECT_STREAM.search(header):
            body = data[start.end() : end]
            if PDF_FLATE.search(header) and not PDF_OTHER_FILTER.search(PDF_FLATE.sub(b"", header)):
                inflater = zlib.decompressobj()
                try:
                    text = inflater.decompress(body, MAX_PDF_INFLATED - inflated + 1)
                except zlib.error:
                    complete = False
                    text = b""
                inflated += len(text)
                if inflated > MAX_PDF_INFLATED:
                    raise Refused("对象流解压后过大，疑为压缩炸弹，不予接收")
                _pdf_search(text)
            elif PDF_OTHER_FILTER.search(header):
                complete = False
            else:
                _pdf_search(body)
        position = end + len(b"endstream")
    return complete


# --- images -------------------------------------------------------------------------------------------


def _inspect_image(stream: IO[bytes], kind: Kind) -> None:
    """Open, verify and decode; a truncated image is refused even though weasyprint, once imported, tells
    Pillow to accept truncated images for the whole process (set back when done)."""
    from PIL import ImageFile

    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        _decode_image(stream, kind)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def _decode_image(stream: IO[bytes], kind: Kind) -> None:
    from PIL import Image

    expected = "JPEG" if kind == JPEG else "PNG"
    unreadable = f"不是可以打开的 {kind.label} 图片，请重新拍摄或扫描后上传"
    too_large = f"图片过大（最多 {MAX_IMAGE_PIXELS // 10000} 万像素），请降低分辨率后上传"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                if image.format != expected:
                    raise Refused(unreadable)
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise Refused(too_large)
                image.verify()
            stream.seek(0)
            with Image.open(stream) as image:
                if kind == JPEG:
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Refused(too_large) from exc
    except (OSError, SyntaxError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise Refused(unreadable) from exc


# --- zip-based formats --------------------------------------------------------------------------------


def _executable(name: str) -> bool:
    return name.rsplit(".", 1)[-1].lower() in EXECUTABLE_EXTENSIONS if "." in name else False


def _inspect_package(stream: IO[bytes], label: str, size: int, *, depth: int) -> None:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused(f"不是完整的 {label} 文件（压缩包目录损坏）") from exc
    with archive:
        infos = archive.infolist()
        package_bounds(infos, size)
        for info in infos:
            _check_part(archive, info, label, depth)
        if label in PARTS:
            _check_content_types(archive)


def package_bounds(infos: Sequence[zipfile.ZipInfo], size: int) -> None:
    """The zip directory's promises within bounds, before a byte is unpacked (OWASP ASVS 4.0.3 V12.1.2):
    the number of parts, their unpacked total, and how much more that is than the packed file."""
    if len(infos) > MAX_ZIP_ENTRIES:
        raise Refused(f"含有 {len(infos)} 个部件，超过 {MAX_ZIP_ENTRIES} 个，不予接收")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise Refused(f"解压后共 {megabytes(unpacked)}，超过 {megabytes(MAX_UNPACKED_BYTES)}，疑为压缩炸弹")
    if unpacked > RATIO_FROM_BYTES and unpacked > MAX_RATIO * max(size, 1):
        raise Refused(f"解压后是压缩时的 {unpacked // max(size, 1)} 倍（最多 {MAX_RATIO} 倍），疑为压缩炸弹")
    for info in infos:
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Refused(f"部件“{info.filename}”解压后超过压缩时的 {MAX_RATIO} 倍，疑为压缩炸弹")


def _check_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, depth: int) -> None:
    name = info.filename
    lower = name.lower()
    segments = lower.split("/")
    if name.startswith("/") or "\\" in name or ".." in segments or re.match(r"^[a-z]:", lower):
        raise Refused(f"含有路径异常的部件“{name}”，不予接收")
    allowed = PARTS.get(label)
    if allowed is not None and not lower.startswith(allowed):
        raise Refused(f"含有 {label} 格式之外的部件“{name}”，不予接收")
    if _executable(lower):
        raise Refused(f"含有可执行程序“{name}”，不予接收")
    base = segments[-1]
    if (
        base in ("vbaproject.bin", "vbadata.xml")
        or "activex" in segments
        or (base.endswith(".bin") and "printersettings" not in segments)
    ):
        raise Refused(f"含有宏、ActiveX 控件或嵌入的 OLE 对象“{name}”，不予接收")
    if info.is_dir() or info.file_size == 0:
        return
    try:
        with archive.open(info) as part:
            head = part.read(8)
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, or a compression zipfile cannot read
        raise Refused(f"部件“{name}”已加密或无法读取，不予接收") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise Refused(f"部件“{name}”已损坏，不予接收") from exc
    if head.startswith(OLE_MAGIC):
        raise Refused(f"含有宏、ActiveX 控件或嵌入的 OLE 对象“{name}”，不予接收")
    if head.startswith(PROGRAM_MAGIC):
        raise Refused(f"含有可执行程序“{name}”，不予接收")
    if head.startswith(ZIP):
        if depth >= NESTED_DEPTH or not lower.endswith(OFFICE_EMBEDDINGS) or "embeddings" not in segments:
            raise Refused(f"含有嵌套的压缩包“{name}”，不予接收")
        nested = archive.read(info)  # within the bounds checked above
        try:
            _inspect_package(
                io.BytesIO(nested), lower.rsplit(".", 1)[-1].upper(), len(nested), depth=depth + 1
            )
        except Refused as refused:
            raise Refused(f"嵌入的文档“{name}”{refused}") from None


def _check_content_types(archive: zipfile.ZipFile) -> None:
    """An OOXML package declares its parts' types: a macro-enabled document or a VBA project is refused."""
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        raise Refused("缺少 [Content_Types].xml，不是有效的 Office 文档") from None
    if info.file_size > MAX_CONTENT_TYPES_BYTES:
        raise Refused("[Content_Types].xml 过大，不是有效的 Office 文档")
    declared = archive.read(info).decode("utf-8", "replace").lower()
    found = next((word for word in MACRO_CONTENT_TYPES if word in declared), None)
    if found is not None:
        raise Refused("含有宏或嵌入对象（启用宏的文档），请另存为不含宏的 .docx 或 .xlsx 后上传")
