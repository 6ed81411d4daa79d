"""What every printed document shares: PDF from HTML that never touches the network, and Word documents
set up as Chinese offices expect (A4, 宋体 headings and 仿宋 text that Word applies to 汉字).

PDF: WeasyPrint in print media; the stylesheets name Noto CJK, which fontconfig finds among the system's
fonts and WeasyPrint embeds. Nothing is fetched: government intranets often have no network, and a
document must not be able to make the server read anything but Yimen's own static files.
DOCX: python-docx; the fonts are ones every Chinese Windows has, since offices edit before sealing.

A letter (通知书, 告知书, 答复书) is a `Notice`: title, 文号, addressee, paragraphs and tables, issuer, date,
an optional QR code; `layout_pdf` and `layout_docx` print any of them the same way (core/letter.html and
core/letter.css), whichever app wrote its words.
"""

from __future__ import annotations

import base64
import functools
import io
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import segno
from django.template.loader import render_to_string
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# The static folders of Yimen's apps: the only files a document may read (stylesheets, images).
YIMEN_DIR = Path(__file__).resolve().parent.parent
STATIC_FOLDERS = tuple(sorted(path.resolve() for path in YIMEN_DIR.glob("*/static")))
# GB/T 9704 (党政机关公文格式): 标题小标宋, 正文仿宋; these are the faces Chinese Windows has under those roles.
DOCX_TITLE_FONT, DOCX_BODY_FONT = "宋体", "仿宋"
QR_QUIET_ZONE = 4  # modules, ISO/IEC 18004
# The size of the Normal style, which tables and footers use: 五号.
DOCX_SMALL_POINTS = 10.5
LETTER_STYLESHEET = Path(__file__).resolve().parent / "static" / "core" / "letter.css"
LETTER_LAYOUT = "core/letter.html"


def day(value: date | None) -> str:
    """A date as a letter writes it: 2024年10月30日 (empty for None)."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


# --- PDF -------------------------------------------------------------------------------------------------


class LocalOnlyFetcher(URLFetcher):
    """Lets WeasyPrint read data: URIs and files under Yimen's static folders, and nothing else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, fail_on_errors=False)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(folder) for folder in STATIC_FOLDERS):
                raise ValueError(f"打印文档只能读取本系统的样式文件，拒绝读取：{url}")
        elif scheme != "data":
            raise ValueError(f"打印文档不访问网络，拒绝加载：{url}")
        return super().fetch(url, headers)


class _Printer(threading.local):
    """What every PDF of a thread reuses: WeasyPrint's font configuration (fontconfig's list of the
    system's fonts, and the faces Pango has opened) and each stylesheet parsed once. Made anew for every
    document they cost a busy office's certificates about 15 ms each. Per thread, since Pango's font map
    is not shared between threads; Yimen's stylesheets only change with a new release (a new process)."""

    def __init__(self) -> None:
        self.fetcher = LocalOnlyFetcher()
        self.font_config = FontConfiguration()
        self.stylesheets: dict[Path, CSS] = {}

    def stylesheet(self, path: Path) -> CSS:
        if path not in self.stylesheets:
            self.stylesheets[path] = CSS(
                filename=str(path), url_fetcher=self.fetcher, font_config=self.font_config
            )
        return self.stylesheets[path]


_printer = _Printer()  # each thread that prints gets its own on first use


def html_pdf(html: str, *, stylesheet: Path | None = None, base: Path | None = None) -> bytes:
    """A print layout as PDF: `stylesheet` applied, relative links read under the folder `base`, nothing
    fetched from the network."""
    document = HTML(
        string=html,
        base_url=f"{base.as_uri()}/" if base is not None else None,
        url_fetcher=_printer.fetcher,
        media_type="print",
    )
    stylesheets = [_printer.stylesheet(stylesheet)] if stylesheet is not None else []
    pdf: bytes = document.write_pdf(stylesheets=stylesheets, font_config=_printer.font_config)
    return pdf


# --- QR codes --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def qr_code(url: str) -> segno.QRCode:
    """The QR code for `url`: error level M at least (segno raises it when the symbol has room), since
    paper gets folded and smudged. Kept for the last few addresses: a certificate's OFD and PDF draw the
    same one, and choosing the mask takes segno about 15 ms."""
    return segno.make_qr(url, error="m")


def qr_data_uri(url: str) -> str:
    """The QR code for `url` as an SVG data URI: vector, so it prints sharp at any size, with the standard
    4-module quiet zone."""
    return str(qr_code(url).svg_data_uri(border=QR_QUIET_ZONE, dark="#000", svgclass=None, lineclass=None))


def qr_png_data_uri(url: str) -> str:
    """The QR code for `url` as a PNG data URI, one pixel a module, for a stylesheet that draws it with
    ``image-rendering: pixelated`` (each module a sharp square at any size, as the SVG): WeasyPrint lays
    it out in well under a millisecond, where it parses the SVG's path in Python (about 25 ms)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(url, scale=1)).decode("ascii")


@functools.lru_cache(maxsize=256)
def qr_png(url: str, *, scale: int = 8) -> bytes:
    """The QR code for `url` as a PNG for Word (which takes no SVG) and OFD: `scale` pixels a module, with
    the same quiet zone and error level as the PDF's. Kept with the QR code it draws."""
    png = io.BytesIO()
    qr_code(url).save(png, kind="png", scale=scale, border=QR_QUIET_ZONE)
    return png.getvalue()


# --- DOCX ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Margins:
    """A page's margins in millimetres."""

    top: float
    bottom: float
    left: float
    right: float


# GB/T 9704-2012 5.2.1 on A4: 天头 37 mm, 订口 28 mm and a 156 × 225 mm 版心, which leaves 35 mm below and
# 26 mm on the right.
GB_T_9704 = Margins(top=37, bottom=35, left=28, right=26)


def set_font(style: Any, font: str, size: float, *, bold: bool = False) -> None:
    """Sets a style's font, the Chinese (East Asian) one too: Word ignores the Latin font for 汉字."""
    style.font.name, style.font.size, style.font.bold = font, Pt(size), bold
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def add_style(doc: DocxDocument, name: str, font: str, size: float, *, bold: bool = False) -> Any:
    """A paragraph style based on Normal, in `font` for Latin and Chinese alike."""
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    set_font(style, font, size, bold=bold)
    return style


def add_body_style(doc: DocxDocument, name: str, size: float) -> Any:
    """The running text: 仿宋, the first line indented by two characters, lines 1.4 apart."""
    style = add_style(doc, name, DOCX_BODY_FONT, size)
    style.paragraph_format.first_line_indent = Pt(2 * size)
    style.paragraph_format.line_spacing = 1.4
    return style


def word_document(margins: Margins) -> DocxDocument:
    """A new Word document on A4 with `margins`, its Normal style (tables, footers) in 仿宋 五号."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(margins.top), Mm(margins.bottom)
    section.left_margin, section.right_margin = Mm(margins.left), Mm(margins.right)
    set_font(doc.styles["Normal"], DOCX_BODY_FONT, DOCX_SMALL_POINTS)
    return doc


def docx_bytes(doc: DocxDocument, *, title: str, author: str, subject: str = "") -> bytes:
    """The document as a .docx file, its properties (shown by Word and file managers) filled in."""
    doc.core_properties.title = title
    doc.core_properties.author = author
    if subject:
        doc.core_properties.subject = subject
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- Letters ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str  # "facts" (label, value, label, value: a long value spans the row) or any other, printed plain
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = str | Table


@dataclass(frozen=True)
class Notice:
    """One letter as it is printed: paragraphs and tables between the heading and the signature."""

    kind: str
    title: str
    subtitle: str
    doc_number: str
    addressee: str
    blocks: tuple[Block, ...]
    issuer: str
    dated: str
    footer: tuple[str, ...]
    qr_url: str
    qr_caption: str


def layout_html(found: Notice) -> str:
    """The print layout a letter's PDF is made from."""
    qr = qr_data_uri(found.qr_url) if found.qr_url else ""
    return render_to_string(LETTER_LAYOUT, {"n": found, "qr": qr})


def layout_pdf(found: Notice) -> bytes:
    """A letter as an A4 PDF in Noto Serif CJK, nothing fetched from the network."""
    return html_pdf(layout_html(found), stylesheet=LETTER_STYLESHEET)


def _docx_table(doc: DocxDocument, table: Table) -> None:
    """A table in the Normal style (the small one), so its many cells need no style of their own."""
    rows = ([table.header] if table.header else []) + list(table.rows)
    columns = max(len(row) for row in rows)
    grid = doc.add_table(rows=len(rows), cols=columns, style="Table Grid")
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, values in zip(grid.rows, rows, strict=True):
        cells = row.cells
        if len(values) < columns:  # a long fact: its value spans the rest of the row
            cells = [cells[0], cells[1].merge(cells[-1])]
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
    if table.name == "materials":
        for cell in grid.columns[0].cells:
            cell.width = Mm(15)


def layout_docx(found: Notice) -> bytes:
    """A letter as a Word document (A4, GB/T 9704 margins), for offices that edit before sealing."""
    doc = word_document(GB_T_9704)
    title = add_style(doc, "通知书标题", DOCX_TITLE_FONT, 22, bold=True)
    body = add_body_style(doc, "通知书正文", 14)
    plain = add_style(doc, "通知书署名", DOCX_BODY_FONT, 14)

    def line(text: str, style: Any, align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY) -> None:
        doc.add_paragraph(text, style=style).alignment = align

    line(found.title, title, WD_ALIGN_PARAGRAPH.CENTER)
    if found.subtitle:
        line(found.subtitle, plain, WD_ALIGN_PARAGRAPH.CENTER)
    line(found.doc_number, plain, WD_ALIGN_PARAGRAPH.CENTER)
    line(found.addressee, plain)
    for block in found.blocks:
        if isinstance(block, Table):
            _docx_table(doc, block)
        else:
            line(block, body)
    for text in (found.issuer, "（盖章）", found.dated):
        line(text, plain, WD_ALIGN_PARAGRAPH.RIGHT)
    if found.qr_url:
        doc.add_picture(io.BytesIO(qr_png(found.qr_url)), width=Mm(30))
        doc.add_paragraph(found.qr_caption)
    for text in found.footer:
        doc.add_paragraph(text)
    return docx_bytes(doc, title=found.title, author=found.issuer, subject=found.doc_number)
