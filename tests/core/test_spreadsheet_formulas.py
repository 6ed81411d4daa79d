"""CSV/formula injection: every export writes text that a spreadsheet would run as a formula as text, and
every import reads it back as it was."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from yimen.core import spreadsheet

DANGEROUS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_starts_a_formula_is_written_to_xlsx_as_quoted_text(text: str) -> None:
    content = spreadsheet.workbook_bytes([("表", ["内容", "数量"], [[text, 5]])])
    cells = next(load_workbook(io.BytesIO(content))["表"].iter_rows(min_row=2))
    assert cells[0].data_type == "s" and cells[0].value == "'" + text
    assert cells[1].data_type == "n" and cells[1].value == 5


def test_numbers_dates_and_ordinary_text_are_written_as_they_are() -> None:
    row = [-3, Decimal("-1.5"), 2.25, date(2026, 12, 7), "食品经营许可", "a=b", "'已有引号"]
    content = spreadsheet.workbook_bytes([("表", ["a", "b", "c", "d", "e", "f", "g"], [row])])
    values = next(load_workbook(io.BytesIO(content))["表"].iter_rows(min_row=2, values_only=True))
    assert values[:3] == (-3, -1.5, 2.25)
    assert values[3].date() == date(2026, 12, 7)
    assert values[4:] == ("食品经营许可", "a=b", "'已有引号")


def test_csv_cells_that_start_a_formula_get_the_quote_and_numbers_do_not() -> None:
    content = spreadsheet.csv_bytes(["内容", "数量"], [[text, -7] for text in DANGEROUS])
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert [row[0] for row in rows[1:]] == ["'" + t for t in DANGEROUS]
    assert {row[1] for row in rows[1:]} == {"-7"}


def test_an_import_reads_back_exactly_what_the_export_held() -> None:
    content = spreadsheet.workbook_bytes([("表", ["内容"], [[t] for t in [*DANGEROUS, "'普通", "=x"]])])
    book = load_workbook(io.BytesIO(content), read_only=True)
    errors: list[spreadsheet.RowError] = []
    rows = spreadsheet.read_rows(book, "表", ["内容"], errors)
    assert errors == []
    assert [values["内容"] for _, values in rows] == [*DANGEROUS, "'普通", "=x"]
