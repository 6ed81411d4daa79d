"""Yimen's counting rules (docs/annual-report-rules.md), shown under each table in the office so an officer
can check any cell by hand. The file is read as it is; its `## Table 二` … headings say which section
each part belongs to."""

from __future__ import annotations

import re
from functools import cache
from html import escape
from pathlib import Path

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from yimen.reports.template import template

RULES_PATH = Path(settings.BASE_DIR) / "docs" / "annual-report-rules.md"
NUMERALS = "一二三四五六"


def _inline(text: str) -> str:
    text = escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def _html(lines: list[str]) -> str:
    """The few Markdown forms the rules use: paragraphs, pipe tables and bold."""
    out: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if not table:
            return
        head, *body = [row for row in table if not all(set(cell) <= set("-: ") for cell in row)]
        out.append('<table class="rules-table"><thead><tr>')
        out.extend(f'<th scope="col">{_inline(cell)}</th>' for cell in head)
        out.append("</tr></thead><tbody>")
        for row in body:
            out.append("<tr>" + "".join(f"<td>{_inline(cell)}</td>" for cell in row) + "</tr>")
        out.append("</tbody></table>")
        table.clear()

    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    for line in lines:
        if line.startswith("|"):
            end_paragraph()
            table.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            continue
        flush()
        if line.strip():
            paragraph.append(line.strip())
        else:
            end_paragraph()
    end_paragraph()
    flush()
    return "".join(out)


@cache
def rules_by_section() -> dict[str, SafeString]:
    """{section title of the template: the rules for it as HTML}; empty when the file is not there."""
    if not RULES_PATH.exists():
        return {}
    sections = template().sections
    found: dict[str, SafeString] = {}
    heading, lines = "", list[str]()
    for line in [*RULES_PATH.read_text(encoding="utf-8").splitlines(), "## end"]:
        if line.startswith("## "):
            named = re.match(r"## (?:Table|Section) (\S)", heading)
            numeral = named[1] if named and named[1] in NUMERALS else ""
            if numeral:
                title = next(s for s in sections if s.startswith(numeral))
                found[title] = mark_safe(_html(lines))  # nosec B308 B703  # every text in it is escaped first (every text is escaped in _inline)
            heading, lines = line, []
        elif heading:
            lines.append(line)
    return found
