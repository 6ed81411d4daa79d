"""行政处罚, 行政强制 and 行政事业性收费 (table 二, 第二十条第（六）项、第（八）项): Yimen does not decide them, so
the departments that do enter them one by one or import them from Excel (.xlsx) or CSV.

An import is all or nothing: every row is checked first and every problem is reported with its row and
column; only a file without problems is stored, in one transaction with one audit entry.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from yimen.core import audit, batch
from yimen.core.errors import ApplicationError, NotPermitted
from yimen.core.spreadsheet import (
    MAX_UPLOAD_BYTES,
    XLSX_SIGNATURE,
    Cells,
    RowError,
    open_workbook,
    read_rows,
    unguarded,
)
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can
from yimen.reports.models import EnforcementKind, EnforcementRecord

SHEET = "处罚强制收费"
KIND, DATE, REFERENCE, AMOUNT, NOTE = "类别", "决定或收费日期", "文书编号", "金额（元）", "说明"
HEADER = (KIND, DATE, REFERENCE, AMOUNT, NOTE)
REQUIRED = (KIND, DATE)
MAX_AMOUNT = Decimal("999999999999.99")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class Entry:
    kind: str
    decided_on: date
    reference: str = ""
    amount: Decimal = Decimal(0)
    note: str = ""


def _require(by: Staff, organisation: Organisation) -> None:
    if not can(by, "report.edit", organisation):
        raise NotPermitted("您没有录入该机构处罚、强制和收费数据的权限")


def check_entry(
    kind: str, decided_on: date | None, amount: Decimal | None, reference: str, note: str
) -> dict[str, list[str]]:
    """Every problem of one entry, by field, in Chinese."""
    errors: dict[str, list[str]] = {}
    if kind not in EnforcementKind.values:
        errors["kind"] = [f"{KIND}：只能是行政处罚、行政强制或行政事业性收费"]
    if decided_on is None:
        errors["decided_on"] = [f"{DATE}：必填"]
    elif decided_on > timezone.localdate():
        errors["decided_on"] = [f"{DATE}：不能晚于今天"]
    if amount is None:
        errors["amount"] = [f"{AMOUNT}：应为金额，如 1200.50"]
    elif amount < 0 or amount > MAX_AMOUNT:
        errors["amount"] = [f"{AMOUNT}：应在 0 至 {MAX_AMOUNT} 元之间"]
    elif amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = [f"{AMOUNT}：最多两位小数"]
    elif kind == EnforcementKind.FEE and amount == 0:
        errors["amount"] = [f"{AMOUNT}：行政事业性收费必须填写收费金额"]
    if len(reference) > 80:
        errors["reference"] = [f"{REFERENCE}：不能超过 80 个字"]
    if len(note) > 200:
        errors["note"] = [f"{NOTE}：不能超过 200 个字"]
    return errors


@batch.atomic
def record_enforcement(*, organisation: Organisation, by: Staff, entry: Entry) -> EnforcementRecord:
    _require(by, organisation)
    errors = check_entry(
        entry.kind, entry.decided_on, entry.amount, entry.reference.strip(), entry.note.strip()
    )
    if errors:
        raise ApplicationError("录入内容有误，请按提示修改", fields=errors)
    record = EnforcementRecord.objects.create(
        organisation=organisation,
        kind=entry.kind,
        decided_on=entry.decided_on,
        reference=entry.reference.strip(),
        amount=entry.amount,
        note=entry.note.strip(),
    )
    audit.record(
        "reports.enforcement_recorded",
        record,
        actor=by,
        after={"kind": record.kind, "decided_on": record.decided_on, "amount": record.amount},
    )
    return record


@batch.atomic
def delete_enforcement(*, record: EnforcementRecord, by: Staff) -> None:
    """A record entered by mistake; the audit log keeps what it said."""
    _require(by, record.organisation)
    audit.record(
        "reports.enforcement_deleted",
        record,
        actor=by,
        before={
            "kind": record.kind,
            "decided_on": record.decided_on,
            "reference": record.reference,
            "amount": record.amount,
        },
    )
    record.delete()


# --- import ---------------------------------------------------------------------------------------------


def _amount(cells: Cells) -> Decimal | None:
    raw = cells.values.get(AMOUNT)
    if raw in (None, ""):
        return Decimal(0)
    try:
        return Decimal(str(raw).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        return None


COLUMN_OF = {"kind": KIND, "decided_on": DATE, "amount": AMOUNT, "reference": REFERENCE, "note": NOTE}


def _entries(rows: list[tuple[int, dict[str, Any]]], errors: list[RowError]) -> list[Entry]:
    entries = []
    for number, values in rows:
        cells = Cells(SHEET, number, values, errors)
        kind = cells.choice(KIND, EnforcementKind, None)
        decided_on = cells.date(DATE, required=True)
        amount = _amount(cells)
        reference, note = cells[REFERENCE], cells[NOTE]
        found = check_entry(kind or "", decided_on, amount, reference, note)
        for field, messages in found.items():
            if field == "kind" and not kind and any(e.row == number and e.column == KIND for e in errors):
                continue  # Cells already said what is wrong with it
            if field == "decided_on" and decided_on is None:
                continue
            errors.extend(RowError(SHEET, number, COLUMN_OF[field], m.split("：", 1)[-1]) for m in messages)
        if not found and kind and decided_on is not None and amount is not None:
            entries.append(Entry(kind, decided_on, reference, amount, note))
    return entries


def _csv_rows(content: bytes, errors: list[RowError]) -> list[tuple[int, dict[str, Any]]]:
    for encoding in CSV_ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        errors.append(RowError(SHEET, 0, "", "CSV 文件编码无法识别，请另存为 UTF-8 或 GBK 编码"))
        return []
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    missing = [column for column in REQUIRED if column not in header]
    errors.extend(RowError(SHEET, 1, column, f"缺少“{column}”列（第 1 行应为表头）") for column in missing)
    if missing:
        return []
    return [
        (
            number,
            {column: unguarded(row[i]) if i < len(row) else "" for i, column in enumerate(header) if column},
        )
        for number, row in enumerate(reader, start=2)
        if any(cell.strip() for cell in row)
    ]


def parse(content: bytes, filename: str) -> tuple[list[Entry], list[RowError]]:
    """The entries of an .xlsx (sheet 处罚强制收费) or .csv file, and every problem found in it."""
    errors: list[RowError] = []
    if len(content) > MAX_UPLOAD_BYTES:
        errors.append(
            RowError(SHEET, 0, "", f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请拆分后分批导入")
        )
        return [], errors
    if content.startswith(XLSX_SIGNATURE):
        workbook = open_workbook(content)
        rows = read_rows(
            workbook, SHEET if SHEET in workbook.sheetnames else workbook.sheetnames[0], REQUIRED, errors
        )
    elif filename.lower().endswith(".csv"):
        rows = _csv_rows(content, errors)
    else:
        errors.append(RowError(SHEET, 0, "", "只能导入 Excel（.xlsx）或 CSV 文件"))
        return [], errors
    if not rows and not errors:
        errors.append(RowError(SHEET, 0, "", "文件中没有数据行"))
    return _entries(rows, errors), errors


@batch.atomic
def import_enforcement(*, organisation: Organisation, by: Staff, content: bytes, filename: str) -> int:
    """All rows of the file, or none: an ApplicationError lists every problem by row and column."""
    _require(by, organisation)
    entries, errors = parse(content, filename)
    if errors:
        raise ApplicationError(
            f"文件有 {len(errors)} 处问题，未导入任何记录", fields={"file": [str(e) for e in errors]}
        )
    EnforcementRecord.objects.bulk_create(
        EnforcementRecord(
            organisation=organisation,
            kind=e.kind,
            decided_on=e.decided_on,
            reference=e.reference,
            amount=e.amount,
            note=e.note,
        )
        for e in entries
    )
    audit.record(
        "reports.enforcement_imported",
        organisation,
        actor=by,
        after={"file": filename, "rows": len(entries)},
        organisation_id=organisation.pk,
    )
    return len(entries)
