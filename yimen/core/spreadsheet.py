"""Excel in and out, the way offices exchange lists: every import error located by sheet, row and column
in Chinese; every export a plain .xlsx with a bold header row.

Imports (the service catalogue, historical disclosure requests, enforcement figures) read rows with
`read_rows` and cells with `Cells`, which notes each problem as a `RowError` instead of stopping, so
the officer sees every problem of a file at once.

Every row written out (`append_row` for .xlsx, `csv_bytes` for CSV) passes its cells through `guarded`:
text a spreadsheet would run as a formula (CSV/formula injection, OWASP: a cell beginning with = + - @,
a tab or a carriage return) is prefixed with a single quote, so it opens as text; numbers stay numbers.
`read_rows` takes that quote off again, so what Yimen exports imports back unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import HttpResponse
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from yimen.core import files
from yimen.core.downloads import file_response
from yimen.core.errors import ApplicationError

EXCEL_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
XLSX_SIGNATURE = b"PK\x03\x04"
NOT_XLSX = "文件不是有效的 Excel 工作簿（.xlsx），请用 Excel 或 WPS 另存为 .xlsx 后再导入"


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int  # as Excel numbers it; 0 when the whole sheet is at fault
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet}表" + (f" 第{self.row}行" if self.row else "")
        return f"{where} 〔{self.column}〕：{self.message}" if self.column else f"{where}：{self.message}"


# What a spreadsheet reads as the start of a formula (Excel, WPS, LibreOffice; tab and CR as well, which
# some of them skip before looking for one), and the mark that keeps such a cell text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def guarded(value: Any) -> Any:
    """The value as a cell to write: text that would start a formula gets a leading quote; anything else
    (numbers, dates, ordinary text) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return GUARD + value
    return value


def unguarded(value: Any) -> Any:
    """A cell as read back: the quote `guarded` added is taken off (and only that quote)."""
    if isinstance(value, str) and value.startswith(GUARD) and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


# --- reading cells ----------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value).strip()


def split_words(text: str) -> list[str]:
    return [word for word in re.split(r"[、,，;；\s]+", text) if word]


def lines(text: str, separators: str = r"[\r\n]+") -> list[str]:
    return [line.strip() for line in re.split(separators, text) if line.strip()]


def choice_keys(choices: type[models.TextChoices]) -> dict[str, str]:
    """A choice by its value, its label, or its label's short form (“三级” for “三级：网上预审”)."""
    keys: dict[str, str] = {}
    for value, label in choices.choices:
        keys.update({str(value).lower(): value, str(label): value, str(label).split("：")[0]: value})
    return keys


def too_long(model: type[models.Model], fields: dict[str, str]) -> list[str]:
    """What in `fields` ({name: value}) is longer than the model's column allows, as messages."""
    found = []
    for name, value in fields.items():
        limit = getattr(model._meta.get_field(name), "max_length", None)
        if limit and len(value) > limit:
            label = getattr(model._meta.get_field(name), "verbose_name", name)
            found.append(f"{label}不能超过 {limit} 个字（现有 {len(value)} 个字）")
    return found


class Cells:
    """One data row: its values by header, read into model values; each problem found is noted."""

    def __init__(self, sheet: str, row: int, values: dict[str, Any], errors: list[RowError]):
        self.sheet, self.row, self.values, self.errors = sheet, row, values, errors

    def __getitem__(self, column: str) -> str:
        return cell_text(self.values.get(column))

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.sheet, self.row, column, message))

    def text(self, column: str, model: type[models.Model], name: str, *, required: bool = False) -> str:
        value = self[column]
        if required and not value:
            self.error(column, f"{column}必填")
        for message in too_long(model, {name: value}):
            self.error(column, message)
        return value

    def choice(self, column: str, choices: type[models.TextChoices], default: str | None) -> str:
        value = self[column]
        if not value and default is not None:
            return default
        found = choice_keys(choices).get(value.lower()) if value else None
        if found is None:
            allowed = "、".join(str(label) for label in choices.labels)
            self.error(column, f"{column}“{value}”不是可选值，可选：{allowed}" if value else f"{column}必填")
        return found or default or ""

    def flag(self, column: str, words: dict[str, bool], default: bool) -> bool:
        value = self[column]
        if value and value not in words:
            self.error(column, f"{column}应填“{'”或“'.join(list(words)[:2])}”")
        return words.get(value, default)

    def integer(self, column: str, default: int) -> int:
        value = self[column]
        if not value:
            return default
        if not re.fullmatch(r"\d{1,5}", value) or int(value) > 32767:
            self.error(column, f"{column}应为整数（现为“{value}”）")
            return default
        return int(value)

    def date(self, column: str, *, required: bool = False) -> dt.date | None:
        """A date cell: an Excel date, or text as 2024-05-06, 2024/5/6 or 2024年5月6日."""
        raw = self.values.get(column)
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        value = self[column]
        if not value:
            if required:
                self.error(column, f"{column}必填")
            return None
        found = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", value)
        try:
            if found is None:
                raise ValueError(value)
            return dt.date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            self.error(column, f"{column}“{value}”不是有效日期（应如 2024-05-06）")
            return None


def read_rows(
    workbook: Any, sheet: str, required: Sequence[str], errors: list[RowError]
) -> list[tuple[int, dict[str, Any]]]:
    """The sheet's non-blank data rows as (row number, {header: value}); none when a required column is
    missing."""
    if sheet not in workbook.sheetnames:
        errors.append(RowError(sheet, 0, "", f"缺少工作表“{sheet}”"))
        return []
    worksheet = workbook[sheet]
    if hasattr(worksheet, "reset_dimensions"):
        worksheet.reset_dimensions()  # files from other tools often state a wrong size; read every row
    rows = worksheet.iter_rows(values_only=True)
    header = [cell_text(value) for value in next(rows, ())]
    missing = [column for column in required if column not in header]
    errors.extend(RowError(sheet, 1, column, f"缺少“{column}”列（第 1 行应为表头）") for column in missing)
    if missing:
        return []
    index = {column: header.index(column) for column in header if column}
    found = []
    for number, row in enumerate(rows, start=2):
        values = {column: unguarded(row[i]) if i < len(row) else None for column, i in index.items()}
        if any(cell_text(value) for value in values.values()):
            found.append((number, values))
    return found


def open_workbook(content: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> Any:
    """The workbook in `content`, or an ApplicationError when it is too large or not really an .xlsx."""
    if len(content) > max_bytes:
        message = f"文件超过 {max_bytes // 1024 // 1024} MB，请拆分后分批导入"
        raise ApplicationError(message, fields={"file": [message]})
    if files.kind_of(io.BytesIO(content), [files.XLSX]) is None:
        raise ApplicationError(NOT_XLSX, fields={"file": [NOT_XLSX]})
    try:  # what every upload is checked for (core.files): its parts, no macro, no zip bomb
        files.inspect(io.BytesIO(content), files.XLSX, len(content))
    except files.Refused as refused:
        message = f"文件{refused}"
        raise ApplicationError(message, fields={"file": [message]}) from None
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl reports a damaged package with many kinds of error
        raise ApplicationError(NOT_XLSX, fields={"file": [NOT_XLSX]}) from exc


# --- writing ------------------------------------------------------------------------------------------


def append_row(sheet: WriteOnlyWorksheet, values: Iterable[Any], *, header: bool = False) -> None:
    """A row of a write-only sheet: bold when it is the header, wrapped when a cell has several lines; text
    that would start a formula is kept as text (`guarded`)."""
    cells = []
    for raw in values:
        value = guarded(raw)
        cell = WriteOnlyCell(sheet, value)
        if header:
            cell.font = Font(bold=True)
        elif isinstance(value, str) and "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        cells.append(cell)
    sheet.append(cells)


def workbook_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx of (title, header, rows) sheets, written as it streams (large exports stay small in memory)."""
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        append_row(sheet, header, header=True)
        for row in rows:
            append_row(sheet, row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file (UTF-8 with a BOM, so Excel reads the Chinese) of a header and rows, cells `guarded`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([guarded(value) for value in header])
    writer.writerows([guarded(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def download(content: bytes, filename: str, fallback: str) -> HttpResponse:
    """The workbook as a download named in Chinese."""
    return file_response(content, filename=filename, fallback=fallback, content_type=EXCEL_TYPE)
