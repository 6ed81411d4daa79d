"""Files to upload, good and hostile, made in code (no binary is committed): real PDFs, images and Office
documents, a PDF/HTML polyglot, PDFs with JavaScript or launch actions, zip bombs, a document carrying a
program."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable

import docx
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def pdf(*, pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with_action(action: str) -> bytes:
    """A one-page PDF whose /OpenAction runs JavaScript or launches a program (or whose page has an /AA)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    if action == "javascript":
        opened = {"/S": NameObject("/JavaScript"), "/JS": TextStringObject("app.alert('x')")}
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject(k): v for k, v in opened.items()}
        )
    elif action == "launch":
        opened = {"/S": NameObject("/Launch"), "/F": TextStringObject("calc.exe")}
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject(k): v for k, v in opened.items()}
        )
    elif action == "names-js":  # a document-level script in the name tree, run when the file opens
        script = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), script])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    elif action == "aa":
        trigger = DictionaryObject(
            {
                NameObject("/S"): NameObject("/URI"),
                NameObject("/URI"): TextStringObject("https://example.org"),
            }
        )
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): trigger})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def hidden_js_pdf() -> bytes:
    """An object no trailer leads to, uncompressed, with a JavaScript action spelt with #-escapes."""
    good = pdf()
    startxref = good[good.rindex(b"startxref") :]  # the same table: the new object is listed nowhere
    return good + b"99 0 obj\n<</S/J#61vaScript/J#53(app.alert(1))>>\nendobj\n" + startxref


def polyglot_pdf(where: str) -> bytes:
    """A PDF that is also a web page: HTML in a comment after the header, or after %%EOF."""
    good = pdf()
    script = b"<html><body><script>alert(document.cookie)</script></body></html>"
    if where == "before":
        header, rest = good.split(b"\n", 1)
        return header + b"\n%" + script + b"\n" + rest
    return good + script


def jpeg(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "JPEG")
    return buffer.getvalue()


def png(size: tuple[int, int] = (1, 1)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()


def real_docx(text: str = "申请书正文") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def with_parts(package: bytes, parts: dict[str, bytes]) -> bytes:
    """`package` with more parts added."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for name, data in parts.items():
            target.writestr(name, data)
    return buffer.getvalue()


PROGRAM = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode"
)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


# --- zip bombs, built block by block: a deflate block that repeats is written once, sent many times ----


def _block(data: bytes) -> bytes:
    """`data` as raw deflate blocks ending on a byte boundary with the state reset, so copies of the
    result can follow each other in one stream."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


FINAL = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty last block


def _stream(pieces: Iterable[tuple[bytes, int]]) -> tuple[bytes, int, int]:
    """(raw deflate data, CRC-32, unpacked size) of each piece's bytes repeated its count of times."""
    packed, crc, size = [], 0, 0
    for data, times in pieces:
        block = _block(data)
        packed.append(block * times)
        for _ in range(times):
            crc = zlib.crc32(data, crc)
        size += len(data) * times
    return b"".join(packed) + FINAL, crc, size


def raw_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of (name, raw deflate data, CRC-32, unpacked size) entries, written by hand (zipfile would
    deflate the bytes itself, which for a gigabyte takes seconds)."""
    out, directory = io.BytesIO(), io.BytesIO()
    for name, packed, crc, size in entries:
        offset, encoded = out.tell(), name.encode()
        out.write(
            struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(packed), size, len(encoded), 0)
        )
        out.write(encoded + packed)
        directory.write(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(packed),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
        )
        directory.write(encoded)
    start, central = out.tell(), directory.getvalue()
    out.write(central)
    out.write(
        struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0)
    )
    return out.getvalue()


def _entry(name: str, data: bytes) -> tuple[str, bytes, int, int]:
    packed, crc, size = _stream([(data, 1)])
    return name, packed, crc, size


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)


def docx_bomb_entries(name: str, unpacked_mib: int) -> list[tuple[str, bytes, int, int]]:
    packed, crc, size = _stream([(b"\x00" * (1 << 20), unpacked_mib)])
    return [(name, packed, crc, size)]


@functools.cache
def docx_bomb(unpacked_mib: int = 1024) -> bytes:
    """A DOCX of about 1 MB whose document.xml unpacks to `unpacked_mib` MiB of zeros."""
    return raw_zip(
        [_entry("[Content_Types].xml", CONTENT_TYPES), *docx_bomb_entries("word/document.xml", unpacked_mib)]
    )


@functools.cache
def docx_of_text(unpacked_mib: int = 256) -> bytes:
    """A well-formed DOCX of a few hundred KiB whose document.xml is `unpacked_mib` MiB of paragraphs."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>'.encode()
    paragraph = "<w:p><w:r><w:t>政府信息公开条例第二十条规定的信息</w:t></w:r></w:p>".encode()
    chunk = paragraph * ((1 << 20) // len(paragraph))
    packed, crc, size = _stream([(head, 1), (chunk, unpacked_mib), (b"</w:body></w:document>", 1)])
    with zipfile.ZipFile(io.BytesIO(real_docx())) as model:  # every other part of a real document
        others = [_entry(n, model.read(n)) for n in model.namelist() if n != "word/document.xml"]
    return raw_zip([*others, ("word/document.xml", packed, crc, size)])
