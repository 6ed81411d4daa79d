"""A data set's rows written as CSV, JSON and XLSX.

CSV is UTF-8 with a BOM (Excel then reads the Chinese) and XLSX a plain workbook with a bold header row:
both through core.spreadsheet, whose formula guard keeps any cell a spreadsheet would run (= + - @, tab,
CR) as text. JSON carries the rows as objects keyed by the column headers, with the data set's identity
around them; no spreadsheet opens it, so its text is written as it is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from yimen.core import spreadsheet
from yimen.opendata.models import Format
from yimen.opendata.sources import Row

SHEET = "数据"


@dataclass(frozen=True)
class Heading:
    """What the JSON file says of itself."""

    identifier: str
    title: str
    publisher: str
    generated_at: datetime


def _cells(columns: Sequence[str], rows: Sequence[Row]) -> list[list[object]]:
    return [[row[column] for column in columns] for row in rows]


def write(fmt: str, heading: Heading, columns: Sequence[str], rows: Sequence[Row]) -> bytes:
    if fmt == Format.CSV:
        return spreadsheet.csv_bytes(columns, _cells(columns, rows))
    if fmt == Format.XLSX:
        return spreadsheet.workbook_bytes([(SHEET, columns, _cells(columns, rows))])
    if fmt == Format.JSON:
        document = {
            "identifier": heading.identifier,
            "title": heading.title,
            "publisher": heading.publisher,
            "generated_at": heading.generated_at.isoformat(),
            "record_count": len(rows),
            "columns": list(columns),
            "records": [{column: row[column] for column in columns} for row in rows],
        }
        return json.dumps(document, ensure_ascii=False, indent=1).encode()
    raise ValueError(f"unknown format {fmt!r}")
