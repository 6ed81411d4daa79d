"""Reading the historical-request file: an .xlsx workbook (its “申请” sheet, or its first, and the
“征求意见” and “复议诉讼” sheets when present) or CSV text (the “申请” sheet alone), into rows of cells,
with the problems of the file as a whole: too large, unreadable, a required column missing, a column not
known, no data, too many rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from yimen.core.errors import ApplicationError
from yimen.core.spreadsheet import MAX_UPLOAD_BYTES, XLSX_SIGNATURE, RowError, open_workbook, read_rows
from yimen.disclosure.import_linked import (
    APPEAL_HEADERS,
    APPEAL_REQUIRED,
    APPEALS,
    CONSULTATION_HEADERS,
    CONSULTATION_REQUIRED,
    CONSULTATIONS,
)
from yimen.disclosure.import_rows import EXPORT_ONLY, HEADERS, REQUIRED, SHEET, Row

MAX_ROWS = 5000
NOT_READABLE = "文件不是 Excel 工作簿（.xlsx）或 CSV 文本，请另存为其中一种后再导入"
# sheet → (the columns it may have, the columns it must have)
LAYOUT: dict[str, tuple[list[str], list[str]]] = {
    SHEET: (HEADERS + EXPORT_ONLY, REQUIRED),
    CONSULTATIONS: (CONSULTATION_HEADERS, CONSULTATION_REQUIRED),
    APPEALS: (APPEAL_HEADERS, APPEAL_REQUIRED),
}


@dataclass
class ImportFile:
    requests: list[Row] = field(default_factory=list)
    consultations: list[Row] = field(default_factory=list)
    appeals: list[Row] = field(default_factory=list)
    problems: list[RowError] = field(default_factory=list)


class _CsvBook:
    """A CSV file dressed as a one-sheet workbook, so `read_rows` reads both alike."""

    def __init__(self, rows: list[list[str]]):
        self.rows = rows
        self.sheetnames = [SHEET]

    def __getitem__(self, name: str) -> _CsvBook:
        return self

    def iter_rows(self, values_only: bool = True) -> Iterator[tuple[Any, ...]]:
        return (tuple(row) for row in self.rows)


def _csv(content: bytes) -> _CsvBook:
    """UTF-8 (with or without BOM) or GB18030, which Excel and WPS write for “CSV” on Chinese Windows."""
    if b"\x00" not in content[:4096]:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
            except UnicodeDecodeError:
                continue
            return _CsvBook(list(csv.reader(io.StringIO(text, newline=""))))
    raise ApplicationError(NOT_READABLE, fields={"file": [NOT_READABLE]})


def _sheet(book: Any, name: str, read_as: str, problems: list[RowError]) -> list[Row]:
    """The non-blank data rows of the book's sheet `name`, read as the layout of `read_as`."""
    allowed, required = LAYOUT[read_as]
    found = read_rows(book, name, required, problems)
    header = set().union(*(values.keys() for _, values in found)) if found else set()
    problems += [
        RowError(read_as, 1, column, f"不认识的列“{column}”") for column in sorted(header - set(allowed))
    ]
    if len(found) > MAX_ROWS:
        problems.append(RowError(read_as, 0, "", f"一次最多导入 {MAX_ROWS} 行，请拆分后分批导入"))
    return [Row(number, values, sheet=read_as) for number, values in found]


def read_file(content: bytes) -> ImportFile:
    """The file's rows, sheet by sheet, and the problems of the file as a whole."""
    if len(content) > MAX_UPLOAD_BYTES:
        message = f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请拆分后分批导入"
        raise ApplicationError(message, fields={"file": [message]})
    read = ImportFile()
    if content.startswith(XLSX_SIGNATURE):
        workbook = open_workbook(content)
        try:
            names = workbook.sheetnames
            main = SHEET if SHEET in names else next((n for n in names if n not in LAYOUT), names[0])
            read.requests = _sheet(workbook, main, SHEET, read.problems)
            if CONSULTATIONS in names:
                read.consultations = _sheet(workbook, CONSULTATIONS, CONSULTATIONS, read.problems)
            if APPEALS in names:
                read.appeals = _sheet(workbook, APPEALS, APPEALS, read.problems)
        finally:
            workbook.close()
    else:
        read.requests = _sheet(_csv(content), SHEET, SHEET, read.problems)
    if not read.requests and not read.problems:
        read.problems.append(RowError(SHEET, 2, "", "没有数据（第 1 行为表头，从第 2 行起每行一件申请）"))
    return read
