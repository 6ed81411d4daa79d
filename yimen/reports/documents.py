"""The annual report as a page, a PDF, a Word document and JSON, all drawn from one `AnnualReportData`.

PDF: WeasyPrint, A4, Noto CJK, 第 X 页 共 Y 页, no network (core/documents.py). DOCX: python-docx,
the tables as real Word tables with the template's merged heading cells, fonts every Chinese Windows has.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from yimen.core.documents import (
    DOCX_BODY_FONT,
    DOCX_TITLE_FONT,
    Margins,
    add_body_style,
    add_style,
    day,
    docx_bytes,
    html_pdf,
    word_document,
)
from yimen.core.documents import MIME as PRINT_MIME
from yimen.reports.document import AnnualReportData, Section
from yimen.reports.layout import Grid, grid, placed
from yimen.reports.narrative import paragraphs
from yimen.reports.template import template

STYLESHEET = Path(__file__).resolve().parent / "static" / "reports" / "print.css"
MIME = {
    "json": "application/json; charset=utf-8",
    "html": "text/html; charset=utf-8",
    **PRINT_MIME,
}
FORMATS = tuple(MIME)
DOCX_TABLE_POINTS = 8
DOCX_MARGINS = Margins(top=30, bottom=28, left=25, right=22)


@dataclass(frozen=True)
class Part:
    section: Section
    paragraphs: list[str]
    grid: Grid | None
    rules: str = ""


def parts(doc: AnnualReportData, rules: Mapping[str, str] | None = None) -> list[Part]:
    return [
        Part(
            section=s,
            paragraphs=paragraphs(s.text),
            grid=grid(s.table) if s.table is not None else None,
            rules=(rules or {}).get(s.title, ""),
        )
        for s in doc.sections
    ]


def context(
    doc: AnnualReportData,
    *,
    records_url: str = "",
    show_figures: bool = False,
    rules: Mapping[str, str] | None = None,
    dated: date | None = None,
) -> dict[str, Any]:
    """What reports/_document.html needs; the office adds links to records, figures and counting rules."""
    return {
        "doc": doc,
        "parts": parts(doc, rules),
        "subheads": template().overview_subsections,
        "records_url": records_url,
        "show_figures": show_figures,
        "dated": day(dated) if dated else "",
    }


def report_json(doc: AnnualReportData) -> bytes:
    return json.dumps(doc.as_json(), ensure_ascii=False, indent=2).encode()


def report_html(doc: AnnualReportData, *, dated: date | None = None) -> str:
    """A standalone page of the report (the print layout, without links)."""
    return render_to_string("reports/print.html", context(doc, dated=dated))


def report_pdf(doc: AnnualReportData, *, dated: date | None = None) -> bytes:
    return html_pdf(report_html(doc, dated=dated), stylesheet=STYLESHEET)


# --- DOCX ------------------------------------------------------------------------------------------------


def _docx_grid(doc: Any, g: Grid) -> None:
    table = doc.add_table(rows=len(g.rows), cols=g.width, style="Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, c, cell in placed(g):
        target = table.cell(r, c)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
        target.text = cell.text
        for paragraph in target.paragraphs:
            paragraph.alignment = (
                WD_ALIGN_PARAGRAPH.LEFT if cell.header and r >= len(g.head) else WD_ALIGN_PARAGRAPH.CENTER
            )
            for run in paragraph.runs:
                run.font.size = Pt(DOCX_TABLE_POINTS)


def report_docx(doc: AnnualReportData, *, dated: date | None = None) -> bytes:
    """The report as a Word document (A4), each table a Word table with merged heading cells."""
    out = word_document(DOCX_MARGINS)
    title = add_style(out, "报告标题", DOCX_TITLE_FONT, 18, bold=True)
    heading = add_style(out, "报告一级标题", DOCX_TITLE_FONT, 14, bold=True)
    subheading = add_style(out, "报告二级标题", DOCX_BODY_FONT, 13, bold=True)
    body = add_body_style(out, "报告正文", 13)
    out.add_paragraph(doc.title, style=title).alignment = WD_ALIGN_PARAGRAPH.CENTER
    subheads = set(template().overview_subsections)
    for part in parts(doc):
        out.add_paragraph(part.section.title, style=heading)
        for line in part.paragraphs:
            out.add_paragraph(line, style=subheading if line in subheads else body)
        if part.grid is not None:
            _docx_grid(out, part.grid)
    if dated:
        for text in (doc.organisation_name, day(dated)):
            out.add_paragraph(text, style=body).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return docx_bytes(out, title=doc.title, author=doc.organisation_name)


def render(doc: AnnualReportData, fmt: str, *, dated: date | None = None) -> bytes:
    """The report in one of FORMATS."""
    if fmt == "json":
        return report_json(doc)
    if fmt == "html":
        return report_html(doc, dated=dated).encode()
    if fmt == "pdf":
        return report_pdf(doc, dated=dated)
    if fmt == "docx":
        return report_docx(doc, dated=dated)
    raise ValueError(fmt)


def filename(doc: AnnualReportData, fmt: str) -> str:
    return f"{doc.title}.{fmt}"
