"""办事指南 for print: a version's whole guide as an A4 PDF in Noto CJK, with a QR code back to the online guide.

This is the paper citizens take home (the seed centre printed 150,000 a year), so it carries every field
the online guide shows. Rendering never touches the network (core/documents.py): its stylesheet is read
from the catalogue's static folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from yimen.catalog import queries
from yimen.catalog.limits import format_limit
from yimen.catalog.models import ItemVersion, TimeUnit, VersionState
from yimen.core.documents import html_pdf, qr_data_uri

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATE = "catalog/guide_print.html"
QR_CAPTION = "扫码查看最新办事指南"


@dataclass(frozen=True)
class StepLine:
    order: int
    name: str
    limit: str
    counts_toward_limit: bool
    note: str


@dataclass(frozen=True)
class ProcedureLine:
    name: str
    limit: str
    basis: str


def _procedure_limit(entry: dict[str, Any]) -> str:
    raw = entry.get("limit")
    if raw in (None, ""):
        return "—"
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return str(raw)
    return format_limit(value, str(entry.get("unit") or TimeUnit.WORKDAY), immediate_word="当场")


def _context(version: ItemVersion, url: str) -> dict[str, Any]:
    audiences = [word for flag, word in ((version.for_person, "个人"), (version.for_legal, "法人")) if flag]
    return {
        "v": version,
        "item": version.item,
        "url": url,
        "qr": qr_data_uri(url),
        "qr_caption": QR_CAPTION,
        "audiences": "、".join(audiences),
        "promised": format_limit(version.promised_limit, version.promised_unit),
        "legal": format_limit(version.legal_limit, version.legal_unit),
        "steps": [
            StepLine(
                i, s.name, format_limit(s.limit, s.unit, immediate_word="当场"), s.counts_toward_limit, s.note
            )
            for i, s in enumerate(version.steps.all(), start=1)
        ],
        "procedures": [
            ProcedureLine(str(p.get("name", "")), _procedure_limit(p), str(p.get("basis", "")))
            for p in version.special_procedures or []
            if isinstance(p, dict)
        ],
        "has_forms": any(m.blank_form_id or m.sample_id for m in version.materials.all()),
        "is_published": version.state in (VersionState.PUBLISHED, VersionState.SUPERSEDED),
        "printed_on": timezone.localdate(),
    }


def guide_html(version: ItemVersion, *, url: str) -> str:
    """The print layout of a version's guide; `url` is the absolute address of the online guide."""
    return render_to_string(TEMPLATE, _context(queries.guide(version), url))


def guide_pdf(version: ItemVersion, *, url: str) -> bytes:
    """办事指南 as an A4 PDF: header with name and 实施编码, 第 X 页 共 Y 页, print date, QR code to `url`."""
    return html_pdf(guide_html(version, url=url), base=STATIC_DIR)
