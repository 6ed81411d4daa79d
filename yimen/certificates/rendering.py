"""A certificate's face (证照照面) as files: OFD, the format GB/T 36905-2018 (电子证照 文件技术要求) names,
and PDF for those who cannot open OFD, with the same words and the same layout: A4 landscape in a double
frame, the title large, the fields as label and value (long values wrapped), the issuer and the date, a QR
code at the bottom right holding the verification address with the 核验码 under it, then the identifier
(GB/T 36904-2018 电子证照标识) and the system signature's line.

A `CertificateSheet` is plain data, filled by whoever issues the certificate; nothing here reads the
database. The system signature line names a digest of the certificate's data, not of the file, so
printing it does not change what it signs. Neither file carries an electronic seal (电子印章, GB/T 38540):
a Sealer seals the finished file.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from django.template.loader import render_to_string

from yimen.certificates import ofd
from yimen.core.documents import day, html_pdf, qr_png, qr_png_data_uri

STYLESHEET = Path(__file__).resolve().parent / "static" / "certificates" / "certificate.css"
TEMPLATE = "certificates/certificate.html"

# The layout in millimetres, A4 landscape; the sizes match certificate.css.
PT = 25.4 / 72
PAGE_WIDTH, PAGE_HEIGHT = 297.0, 210.0
FRAME, FRAME_GAP = 8.0, 2.0  # the outer frame's distance from the edge, the inner frame's from the outer
LEFT, RIGHT = 24.0, 273.0  # the text's column
VALUES_RIGHT = LEFT + 0.82 * (RIGHT - LEFT)  # the fields stay clear of the QR code's column
TITLE_SIZE, TITLE_SPACING, TITLE_BASELINE = 26 * PT, 0.2, 28.0
CONTINUED_SIZE, CONTINUED_BASELINE = 14 * PT, 24.0
FIELD_SIZE, FIELDS_TOP, CONTINUED_TOP = 11 * PT, 41.0, 35.0
FIELD_LINE, ROW_GAP, LABEL_GAP = 1.6 * FIELD_SIZE, 1.0, 6.0
ISSUER_SIZE, ISSUER_LINE, ISSUER_GAP = 12 * PT, 7.0, 12.0
QR_SIDE, CAPTION_SIZE = 30.0, 8 * PT
SMALL_SIZE, SMALL_LINE, LAST_BASELINE = 7.5 * PT, 4.0, 196.0


@dataclass(frozen=True)
class CertificateSheet:
    """What a certificate's face shows, in order. `fields` are (label, value) pairs as printed (统一社会信用代码,
    名称, 类型, 法定代表人, 经营范围, 成立日期, 有效期限 …; a line break in a value starts a new line);
    `identifier` is the 电子证照标识 (1.2.156.3005.2.…), `verify_url` the QR code's content and
    `signature_line` the line naming the system signature (「系统数字签名：SM3 …（非电子印章）」)."""

    type_name: str
    title: str
    fields: tuple[tuple[str, str], ...]
    issuer: str
    issued_on: date
    identifier: str
    verification_code: str
    verify_url: str
    signature_line: str

    @property
    def code_line(self) -> str:
        return f"核验码：{self.verification_code}"

    @property
    def identifier_line(self) -> str:
        return f"证照标识：{self.identifier}"

    @property
    def doc_id(self) -> str:
        """The OFD DocID: a UUID named by the identifier (RFC 4122 version 5), so a certificate's file is
        the same bytes each time it is made."""
        return uuid.uuid5(uuid.NAMESPACE_OID, self.identifier).hex


# --- OFD -------------------------------------------------------------------------------------------------


def _centred(text: str, size: float, centre: float, y: float, *, spacing: float = 0.0) -> ofd.Text:
    placed = ofd.Text(0, y, text, size, spacing=spacing)
    return replace(placed, x=centre - placed.width / 2)


def _right(text: str, size: float, right: float, y: float) -> ofd.Text:
    return ofd.Text(right - ofd.text_width(text, size), y, text, size)


def _frame() -> list[ofd.PageObject]:
    inner = FRAME + FRAME_GAP
    return [
        ofd.Rect(FRAME, FRAME, PAGE_WIDTH - 2 * FRAME, PAGE_HEIGHT - 2 * FRAME, line_width=0.6),
        ofd.Rect(inner, inner, PAGE_WIDTH - 2 * inner, PAGE_HEIGHT - 2 * inner, line_width=0.2),
    ]


def _closing(sheet: CertificateSheet) -> tuple[list[ofd.PageObject], float]:
    """The bottom of the last page, laid out from the page's foot up, and the lowest baseline the fields
    may take above it."""
    width = RIGHT - LEFT
    small = ofd.wrap(sheet.identifier_line, width, SMALL_SIZE) + ofd.wrap(
        sheet.signature_line, width, SMALL_SIZE
    )
    first = LAST_BASELINE - (len(small) - 1) * SMALL_LINE
    objects: list[ofd.PageObject] = [
        _right(line, SMALL_SIZE, RIGHT, first + number * SMALL_LINE) for number, line in enumerate(small)
    ]
    caption = first - SMALL_LINE - 1.0
    qr_left, qr_bottom = RIGHT - QR_SIDE, caption - CAPTION_SIZE - 1.5
    objects.append(_centred(sheet.code_line, CAPTION_SIZE, qr_left + QR_SIDE / 2, caption))
    objects.append(ofd.Image(qr_left, qr_bottom - QR_SIDE, QR_SIDE, QR_SIDE, qr_png(sheet.verify_url)))
    issued = day(sheet.issued_on)
    centre = qr_left - ISSUER_GAP - max(ofd.text_width(t, ISSUER_SIZE) for t in (sheet.issuer, issued)) / 2
    objects.append(_centred(sheet.issuer, ISSUER_SIZE, centre, qr_bottom - ISSUER_LINE))
    objects.append(_centred(issued, ISSUER_SIZE, centre, qr_bottom))
    return objects, qr_bottom - ISSUER_LINE - ISSUER_SIZE - FIELD_LINE


def ofd_pages(sheet: CertificateSheet) -> tuple[ofd.Page, ...]:
    """The certificate's pages: one, unless its fields need more (a very long 经营范围), when they continue
    on pages headed 「…（续）」 and the closing follows the last of them."""
    closing, last_line = _closing(sheet)
    spacing = TITLE_SPACING * TITLE_SIZE
    title = _centred(sheet.title, TITLE_SIZE, PAGE_WIDTH / 2, TITLE_BASELINE, spacing=spacing)
    pages: list[list[ofd.PageObject]] = [[*_frame(), title]]

    def next_page() -> float:
        heading = _centred(f"{sheet.title}（续）", CONTINUED_SIZE, PAGE_WIDTH / 2, CONTINUED_BASELINE)
        pages.append([*_frame(), heading])
        return CONTINUED_TOP

    labels = max((ofd.text_width(label, FIELD_SIZE) for label, _ in sheet.fields), default=0.0)
    value_left = LEFT + labels + LABEL_GAP
    y = FIELDS_TOP
    for label, value in sheet.fields:
        for number, line in enumerate(ofd.wrap(value, VALUES_RIGHT - value_left, FIELD_SIZE)):
            if y > LAST_BASELINE - SMALL_LINE:
                y = next_page()
            if number == 0:
                pages[-1].append(ofd.Text(LEFT, y, label, FIELD_SIZE))
            if line:
                pages[-1].append(ofd.Text(value_left, y, line, FIELD_SIZE))
            y += FIELD_LINE
        y += ROW_GAP
    if y - FIELD_LINE - ROW_GAP > last_line:
        next_page()
    pages[-1].extend(closing)
    return tuple(ofd.Page(tuple(objects)) for objects in pages)


def render_ofd(sheet: CertificateSheet) -> bytes:
    """The certificate as an OFD file, its metadata in DocInfo (标识, 类型, 颁发机构, 颁发日期, 核验码, 核验地址);
    the same sheet gives the same bytes."""
    document = ofd.OfdDocument(
        doc_id=sheet.doc_id,
        title=sheet.title,
        author=sheet.issuer,
        created=sheet.issued_on,
        pages=ofd_pages(sheet),
        width=PAGE_WIDTH,
        height=PAGE_HEIGHT,
        subject=sheet.type_name,
        keywords=(sheet.type_name,),
        custom_data=(
            ("证照标识", sheet.identifier),
            ("证照类型", sheet.type_name),
            ("证照颁发机构", sheet.issuer),
            ("颁发日期", sheet.issued_on.isoformat()),
            ("核验码", sheet.verification_code),
            ("核验地址", sheet.verify_url),
        ),
    )
    return document.to_bytes()


# --- PDF -------------------------------------------------------------------------------------------------


def certificate_html(sheet: CertificateSheet) -> str:
    """The print layout the PDF is made from."""
    context = {
        "s": sheet,
        "label_em": max((ofd.text_width(label, 1.0) for label, _ in sheet.fields), default=0.0),
        "issued": day(sheet.issued_on),
        "qr": qr_png_data_uri(sheet.verify_url),
        "code_line": sheet.code_line,
        "identifier_line": sheet.identifier_line,
    }
    return render_to_string(TEMPLATE, context)


def render_pdf(sheet: CertificateSheet) -> bytes:
    """The certificate as a PDF with the OFD's words and layout, in Noto Serif CJK, nothing fetched."""
    return html_pdf(certificate_html(sheet), stylesheet=STYLESHEET)
