"""Historical disclosure requests from CSV or Excel, for an office moving to Yimen.

One row per request on the “申请” sheet (import_rows.HEADERS), its consultations and appeals on the
“征求意见” and “复议诉讼” sheets (import_linked). Every cell is checked, then each request is replayed
through the services on its own dates (import_replay), keeping the office's own 申请编号 when the file
has one and giving each request a new 查询码. Any problem in any row, whether in a cell or from the
services' rules, is reported by sheet, row and column, and nothing is kept: all or nothing. The desk's
Excel export (exporting.py) writes this layout, so an export of one Yimen imports into another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from yimen.core import audit
from yimen.core.spreadsheet import RowError
from yimen.disclosure.import_file import read_file
from yimen.disclosure.import_linked import link, parse_appeal, parse_consultation
from yimen.disclosure.import_replay import file_row
from yimen.disclosure.import_rows import (
    Row,
    check_numbers,
    parse,
)
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)  # the new request numbers, in row order
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    dry_run: bool = False

    @property
    def rejected(self) -> bool:
        return bool(self.errors)

    @property
    def summary(self) -> str:
        if self.rejected:
            return f"发现 {len(self.errors)} 处问题，未导入任何申请。请按问题清单修改后重新导入。"
        done = "试导入（未保存）" if self.dry_run else "导入完成"
        return f"{done}：{len(self.imported)} 件政府信息公开申请。"


def _organisation(row: Row, organisations: dict[str, Organisation], by: Staff | None) -> Organisation | None:
    code = row.values["受理机关代码"]
    found = organisations.get(code)
    if code and found is None:
        row.error("受理机关代码", f"受理机关代码“{code}”不存在，请先登记该机关")
    elif found is not None and by is not None and not can(by, "disclosure.handle", found):
        row.error("受理机关代码", f"您没有办理“{found.name}”政府信息公开申请的权限")
        return None
    return found


def import_requests(content: bytes, *, by: Staff, dry_run: bool = False) -> ImportReport:
    """Check every row and file them all in one transaction — or none, when any row fails. `by` is the
    officer the history is recorded under (the services check their roles, as for any request)."""
    read = read_file(content)
    rows = read.requests
    report = ImportReport(errors=read.problems, rows=len(rows), dry_run=dry_run)
    if read.problems:
        return report
    for row in rows:
        parse(row)
    check_numbers(rows)
    for row in read.consultations:
        parse_consultation(row)
    for row in read.appeals:
        parse_appeal(row)
    linked = link(rows, [*read.consultations, *read.appeals])
    organisations = {o.code: o for o in Organisation.objects.filter(is_active=True)}
    every = [*rows, *read.consultations, *read.appeals]
    with transaction.atomic():
        for row in rows:
            organisation = _organisation(row, organisations, by)
            mine = linked.get(row.number, [])
            if row.errors or organisation is None or any(r.errors for r in mine):
                continue
            with transaction.atomic():  # a savepoint: a refused row leaves no half of itself behind
                request = file_row(row, mine, organisation, by)
                if request is None:
                    transaction.set_rollback(True)
            if request is not None:
                report.imported.append(request.number)
        report.errors = [error for row in every for error in row.errors]
        if report.rejected or dry_run:
            transaction.set_rollback(True)
            report.imported = [] if report.rejected else report.imported
            return report
        audit.record(
            "disclosure.imported",
            actor=by,
            object_type="disclosure.disclosurerequest",
            object_repr="政府信息公开申请导入",
            after={"imported": report.imported, "rows": report.rows},
        )
    return report
