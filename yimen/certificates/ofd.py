"""A small OFD writer (GB/T 33190-2016 电子文件存储与交换格式 版式文档), enough for a certificate's file.

What it writes: a ZIP package holding ``OFD.xml`` (DocType ``OFD``; DocInfo with DocID, Title, Author,
CreationDate, Creator and the certificate's metadata as ``CustomDatas``), ``Doc_0/Document.xml``
(CommonData: MaxUnitID, the page size as PhysicalBox in millimetres, PublicRes and DocumentRes),
``Doc_0/PublicRes.xml`` (the fonts, by name), ``Doc_0/DocumentRes.xml`` (the images, as MultiMedia),
``Doc_0/Res/image_N.png`` and ``Doc_0/Pages/Page_N/Content.xml``, every XML part in the standard namespace
``http://www.ofdspec.org/2016`` with the prefix ``ofd``. A page holds positioned objects in millimetres,
origin at the top left: text lines (TextObject, each character placed by DeltaX), lines and rectangles
(PathObject) and PNG images (ImageObject).

What it does not write: embedded fonts (a font is named, 宋体 by default, and the reader supplies it; the
character advances assume a GB font, 汉字 and full-width signs 1 em, Latin 0.5 em, as 宋体 and 黑体 are),
signatures or seals (``Doc_0/Signs``: an electronic seal, GB/T 38540, comes from a Sealer, which signs
the finished package), templates, annotations, attachments or outlines.

The same input gives the same bytes: the DocID is passed in, IDs are numbered in order, and every ZIP
entry carries the document's creation date as its time stamp, so a file's hash can be recomputed.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from xml.etree import ElementTree as ET

NS = "http://www.ofdspec.org/2016"
PREFIX = "ofd"
DEFAULT_FONT = "宋体"
DOC_ID = re.compile(r"[0-9a-f]{32}")
# Characters XML 1.0 cannot hold, and the controls a line of text must not have (a newline is a new line).
_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_EARLIEST_ZIP_DAY = date(1980, 1, 1)  # a ZIP time stamp cannot be earlier
# Signs that must not start a line (GB/T 15834 标点符号用法: 句号、逗号、顿号、分号、冒号、右括号…).
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕…—,.;:?!)]}%")
Color = tuple[int, int, int]
BLACK: Color = (0, 0, 0)


def char_advance(char: str, size: float) -> float:
    """How far `char` moves the pen at `size` (mm) in a GB font: 汉字, full-width and ambiguous-width
    signs (“：”“（”“…”“—”) one em, Latin letters, digits and half-width signs half an em."""
    return size if unicodedata.east_asian_width(char) in ("W", "F", "A") else size / 2


def text_width(text: str, size: float) -> float:
    """The width of `text` set at `size`, in millimetres."""
    return sum(char_advance(char, size) for char in text)


def _tokens(text: str) -> Iterator[str]:
    """Pieces a line may break between: a Latin word or number with the spaces after it, any other
    character alone; a sign that must not start a line stays with the piece before it."""
    for match in re.finditer(r"[0-9A-Za-z_\-./@:%+#&=?]+ *| +|.", text):
        yield match.group()


def wrap(text: str, width: float, size: float) -> list[str]:
    """`text` broken into lines no wider than `width` at `size` (a line break in `text` starts a new
    line, a tab is a space): between 汉字, between Latin words, inside a word only when it alone is wider
    than a line, and never before a closing sign such as “，”“。”“）”."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").split("\n"):
        pieces: list[str] = []
        for token in _tokens(paragraph):
            if pieces and token[0] in _NO_LINE_START:
                pieces[-1] += token
            else:
                pieces.append(token)
        line = ""
        for piece in pieces:
            if text_width(line + piece.rstrip(), size) <= width or not line.strip():
                line += piece
                continue
            lines.extend(_split_wide(line.rstrip(), width, size))
            line = piece.lstrip()
        lines.extend(_split_wide(line.rstrip(), width, size))
    return lines


def _split_wide(line: str, width: float, size: float) -> list[str]:
    """A line that is still too wide (one long word) cut between characters."""
    if text_width(line, size) <= width:
        return [line]
    out, current = [], ""
    for char in line:
        if current and text_width(current + char, size) > width and char not in _NO_LINE_START:
            out.append(current)
            current = ""
        current += char
    return [*out, current]


# --- what a page holds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One line of text: (x, y) is the start of its baseline, `size` the em in millimetres."""

    x: float
    y: float
    text: str
    size: float
    font: str = DEFAULT_FONT
    color: Color = BLACK
    spacing: float = 0.0  # added after each character but the last (letter spacing, a justified label)

    def __post_init__(self) -> None:
        bad = _NOT_TEXT.search(self.text)
        if bad is not None:
            raise ValueError(f"文字“{self.text}”含有不能写入版式文件的控制字符 U+{ord(bad.group()):04X}")

    @property
    def advances(self) -> list[float]:
        """How far each character but the last moves the pen: the DeltaX list."""
        return [char_advance(char, self.size) + self.spacing for char in self.text[:-1]]

    @property
    def width(self) -> float:
        return sum(self.advances) + (char_advance(self.text[-1], self.size) if self.text else 0.0)


@dataclass(frozen=True)
class Line:
    """A straight line from (x1, y1) to (x2, y2)."""

    x1: float
    y1: float
    x2: float
    y2: float
    line_width: float = 0.25
    color: Color = BLACK


@dataclass(frozen=True)
class Rect:
    """A rectangle's outline, (x, y) its top left corner."""

    x: float
    y: float
    width: float
    height: float
    line_width: float = 0.25
    color: Color = BLACK


@dataclass(frozen=True)
class Image:
    """A PNG image stretched over the box (x, y, width, height)."""

    x: float
    y: float
    width: float
    height: float
    png: bytes

    def __post_init__(self) -> None:
        if not self.png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError("版式文件中的图片须为 PNG")


PageObject = Text | Line | Rect | Image


@dataclass(frozen=True)
class Page:
    objects: tuple[PageObject, ...]


@dataclass(frozen=True)
class OfdDocument:
    """A document of pages of one size (`width` × `height` mm; A4 portrait unless said), with the
    DocInfo a reader shows: `doc_id` 32 lower-case hex digits (a UUID), title, author, creation date and
    `custom_data` (name, value) pairs in order."""

    doc_id: str
    title: str
    author: str
    created: date
    pages: tuple[Page, ...]
    width: float = 210.0
    height: float = 297.0
    subject: str = ""
    keywords: tuple[str, ...] = ()
    custom_data: tuple[tuple[str, str], ...] = ()
    creator: str = "Yimen"

    def __post_init__(self) -> None:
        if not DOC_ID.fullmatch(self.doc_id):
            raise ValueError(f"DocID 须为 32 位小写十六进制数（UUID），而不是“{self.doc_id}”")
        if not self.pages:
            raise ValueError("版式文件至少要有一页")

    def to_bytes(self) -> bytes:
        """The OFD package."""
        return _Writer(self).package()


# --- the writer ------------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _num(value: float) -> str:
    """A number as OFD writes it: at most three decimals, no trailing zeros, never “-0”."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _nums(*values: float) -> str:
    return " ".join(_num(value) for value in values)


def _deltas(advances: Sequence[float]) -> str:
    """A DeltaX list, repeated values shortened as “g count value” (GB/T 33190-2016 11.3)."""
    parts: list[str] = []
    index = 0
    while index < len(advances):
        value = _num(advances[index])
        run = 1
        while index + run < len(advances) and _num(advances[index + run]) == value:
            run += 1
        parts.append(f"g {run} {value}" if run > 1 else value)
        index += run
    return " ".join(parts)


def _color(parent: ET.Element, tag: str, color: Color) -> None:
    ET.SubElement(parent, _q(tag), Value=" ".join(str(channel) for channel in color))


ET.register_namespace(PREFIX, NS)


def _xml(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode()


class _Writer:
    """Numbers the document's objects (fonts, images, pages, layers, then each page's objects, from 1)
    and writes the parts."""

    def __init__(self, document: OfdDocument) -> None:
        self.document = document
        self.last_id = 0
        fonts = sorted({obj.font for page in document.pages for obj in page.objects if isinstance(obj, Text)})
        self.fonts = {name: self.next_id() for name in fonts or [DEFAULT_FONT]}
        # One MultiMedia per distinct image, however often it is drawn.
        self.images: dict[bytes, tuple[int, str]] = {}
        for page in document.pages:
            for obj in page.objects:
                if isinstance(obj, Image) and obj.png not in self.images:
                    self.images[obj.png] = (self.next_id(), f"image_{len(self.images)}.png")
        self.page_ids = [self.next_id() for _ in document.pages]

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def package(self) -> bytes:
        pages = [self.page(page) for page in self.document.pages]
        parts: list[tuple[str, bytes]] = [
            ("OFD.xml", self.ofd()),
            ("Doc_0/Document.xml", self.document_xml()),  # after the pages: MaxUnitID counts their objects
            ("Doc_0/PublicRes.xml", self.public_res()),
            ("Doc_0/DocumentRes.xml", self.document_res()),
            *((f"Doc_0/Pages/Page_{number}/Content.xml", content) for number, content in enumerate(pages)),
            *((f"Doc_0/Res/{name}", png) for png, (_, name) in self.images.items()),
        ]
        stamp = max(self.document.created, _EARLIEST_ZIP_DAY)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in parts:
                info = zipfile.ZipInfo(name, date_time=(stamp.year, stamp.month, stamp.day, 0, 0, 0))
                info.create_system = 3  # the same bytes whichever system writes them
                info.external_attr = 0o644 << 16
                # PNG is compressed already; XML packs 5–10 times.
                info.compress_type = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
                archive.writestr(info, data, compresslevel=6)
        return out.getvalue()

    def ofd(self) -> bytes:
        doc = self.document
        root = ET.Element(_q("OFD"), Version="1.0", DocType="OFD")
        body = ET.SubElement(root, _q("DocBody"))
        info = ET.SubElement(body, _q("DocInfo"))
        ET.SubElement(info, _q("DocID")).text = doc.doc_id
        ET.SubElement(info, _q("Title")).text = doc.title
        ET.SubElement(info, _q("Author")).text = doc.author
        if doc.subject:
            ET.SubElement(info, _q("Subject")).text = doc.subject
        ET.SubElement(info, _q("CreationDate")).text = doc.created.isoformat()
        if doc.keywords:
            keywords = ET.SubElement(info, _q("Keywords"))
            for word in doc.keywords:
                ET.SubElement(keywords, _q("Keyword")).text = word
        ET.SubElement(info, _q("Creator")).text = doc.creator
        if doc.custom_data:
            datas = ET.SubElement(info, _q("CustomDatas"))
            for name, value in doc.custom_data:
                ET.SubElement(datas, _q("CustomData"), Name=name).text = value
        ET.SubElement(body, _q("DocRoot")).text = "Doc_0/Document.xml"
        return _xml(root)

    def document_xml(self) -> bytes:
        doc = self.document
        root = ET.Element(_q("Document"))
        common = ET.SubElement(root, _q("CommonData"))
        ET.SubElement(common, _q("MaxUnitID")).text = str(self.last_id)
        area = ET.SubElement(common, _q("PageArea"))
        ET.SubElement(area, _q("PhysicalBox")).text = _nums(0, 0, doc.width, doc.height)
        ET.SubElement(common, _q("PublicRes")).text = "PublicRes.xml"
        ET.SubElement(common, _q("DocumentRes")).text = "DocumentRes.xml"
        pages = ET.SubElement(root, _q("Pages"))
        for number, page_id in enumerate(self.page_ids):
            ET.SubElement(pages, _q("Page"), ID=str(page_id), BaseLoc=f"Pages/Page_{number}/Content.xml")
        return _xml(root)

    def public_res(self) -> bytes:
        root = ET.Element(_q("Res"), BaseLoc="Res")
        fonts = ET.SubElement(root, _q("Fonts"))
        for name, font_id in self.fonts.items():
            ET.SubElement(fonts, _q("Font"), ID=str(font_id), FontName=name, FamilyName=name)
        return _xml(root)

    def document_res(self) -> bytes:
        root = ET.Element(_q("Res"), BaseLoc="Res")
        if self.images:
            medias = ET.SubElement(root, _q("MultiMedias"))
            for media_id, name in self.images.values():
                media = ET.SubElement(medias, _q("MultiMedia"), ID=str(media_id), Type="Image", Format="PNG")
                ET.SubElement(media, _q("MediaFile")).text = name
        return _xml(root)

    def page(self, page: Page) -> bytes:
        doc = self.document
        root = ET.Element(_q("Page"))
        area = ET.SubElement(root, _q("Area"))
        ET.SubElement(area, _q("PhysicalBox")).text = _nums(0, 0, doc.width, doc.height)
        content = ET.SubElement(root, _q("Content"))
        layer = ET.SubElement(content, _q("Layer"), ID=str(self.next_id()), Type="Body")
        for obj in page.objects:
            if isinstance(obj, Text):
                self.text(layer, obj)
            elif isinstance(obj, Image):
                self.image(layer, obj)
            else:
                self.path(layer, obj)
        return _xml(root)

    def text(self, layer: ET.Element, text: Text) -> None:
        # The boundary holds the line from an em above the baseline to 0.3 em below it.
        top, height = text.y - text.size, text.size * 1.3
        width = max(text.width, text.size)
        element = ET.SubElement(
            layer,
            _q("TextObject"),
            ID=str(self.next_id()),
            Boundary=_nums(text.x, top, width, height),
            Font=str(self.fonts[text.font]),
            Size=_num(text.size),
        )
        _color(element, "FillColor", text.color)
        code = ET.SubElement(element, _q("TextCode"), X="0", Y=_num(text.size))
        advances = text.advances
        if advances:
            code.set("DeltaX", _deltas(advances))
        code.text = text.text

    def path(self, layer: ET.Element, shape: Line | Rect) -> None:
        half = shape.line_width / 2
        if isinstance(shape, Rect):
            left, top = shape.x - half, shape.y - half
            width, height = shape.width + shape.line_width, shape.height + shape.line_width
            right, bottom = half + shape.width, half + shape.height
            data = f"M {_nums(half, half)} L {_nums(right, half)} L {_nums(right, bottom)} L {_nums(half, bottom)} C"
        else:
            left, top = min(shape.x1, shape.x2) - half, min(shape.y1, shape.y2) - half
            width = abs(shape.x2 - shape.x1) + shape.line_width
            height = abs(shape.y2 - shape.y1) + shape.line_width
            start, end = _nums(shape.x1 - left, shape.y1 - top), _nums(shape.x2 - left, shape.y2 - top)
            data = f"M {start} L {end}"
        element = ET.SubElement(
            layer,
            _q("PathObject"),
            ID=str(self.next_id()),
            Boundary=_nums(left, top, width, height),
            LineWidth=_num(shape.line_width),
            Stroke="true",
            Fill="false",
        )
        _color(element, "StrokeColor", shape.color)
        ET.SubElement(element, _q("AbbreviatedData")).text = data

    def image(self, layer: ET.Element, image: Image) -> None:
        ET.SubElement(
            layer,
            _q("ImageObject"),
            ID=str(self.next_id()),
            Boundary=_nums(image.x, image.y, image.width, image.height),
            CTM=_nums(image.width, 0, 0, image.height, 0, 0),  # the unit square onto the boundary
            ResourceID=str(self.images[image.png][0]),
        )
