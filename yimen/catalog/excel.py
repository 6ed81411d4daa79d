"""事项目录 in Excel, the way centres keep it: one row per item on “事项”, one row per material on “材料”.

Import reads the whole workbook, checks every row (its cells, then the catalogue's own rules in
validation.py) and reports every problem by sheet, row and column; it writes nothing when any row
fails unless the officer asks for the valid rows only. Export writes the same layout, so a file
exported from one Yimen imports into another unchanged.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from openpyxl import Workbook

from yimen.catalog import queries, services
from yimen.catalog.excel_layout import (
    CURRENT_RELATIONS,
    ITEM_HEADERS,
    ITEM_SHEET,
    MATERIAL_HEADERS,
    MATERIAL_SHEET,
    item_values,
    material_rows,
)
from yimen.catalog.excel_rows import ParsedItem, parse_workbook
from yimen.catalog.models import (
    ServiceItem,
    Theme,
)
from yimen.core import audit
from yimen.core.spreadsheet import EXCEL_TYPE, RowError, append_row, open_workbook
from yimen.org.models import Staff

CONTENT_TYPE = EXCEL_TYPE
FILENAME = "事项目录.xlsx"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)  # 实施编码
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # 事项表 rows left out for their errors
    errors: list[RowError] = field(default_factory=list)
    rejected: bool = False  # nothing was imported because of errors
    dry_run: bool = False

    @property
    def summary(self) -> str:
        if self.rejected:
            return f"发现 {len(self.errors)} 处问题，未导入任何事项。请按问题清单修改后重新导入。"
        text = f"新增 {len(self.created)} 个事项，更新 {len(self.updated)} 个，{len(self.unchanged)} 个内容未变化"
        if self.skipped:
            text += f"；跳过有问题的事项 {len(self.skipped)} 个"
        if self.errors:
            text += f"，共 {len(self.errors)} 处问题（见问题清单）"
        return ("试导入（未保存）：" if self.dry_run else "导入完成：") + text + "。"


# --- writing rows: export, and the comparison that finds unchanged items ---------------------------


def export_workbook(items: QuerySet[ServiceItem] | None = None) -> bytes:
    """The public catalogue (or `items`) as an .xlsx in the import layout."""
    items = queries.published() if items is None else items
    themes = {t.pk: t for t in Theme.objects.all()}
    workbook = Workbook(write_only=True)
    item_sheet, material_sheet = workbook.create_sheet(ITEM_SHEET), workbook.create_sheet(MATERIAL_SHEET)
    for sheet, headers in [(item_sheet, ITEM_HEADERS), (material_sheet, MATERIAL_HEADERS)]:
        sheet.freeze_panes = "A2"
        append_row(sheet, headers, header=True)
    for item in items.select_related("organisation").prefetch_related(*CURRENT_RELATIONS).iterator(500):
        assert item.current is not None
        guide = services.guide_of(item.current)
        values = item_values(item, guide, themes)
        append_row(item_sheet, [values[column] for column in ITEM_HEADERS])
        for row in material_rows(item.impl_code, guide):
            append_row(material_sheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- import ----------------------------------------------------------------------------------------


def _save(item: ParsedItem, by: Staff | None, report: ImportReport) -> None:
    assert item.organisation is not None
    if item.unchanged:
        report.unchanged.append(item.impl_code)
    elif item.existing is not None:
        services.import_new_version(item=item.existing, guide=item.guide, by=by)
        report.updated.append(item.impl_code)
    else:
        version = services.create_item(
            organisation=item.organisation,
            basic_code=item.basic_code,
            handle_code=item.handle_code,
            impl_code=item.impl_code,
            guide=item.guide,
            by=by,
        )
        services.publish_directly(version)
        report.created.append(item.impl_code)


def import_workbook(
    content: bytes, *, by: Staff | None, valid_only: bool = False, dry_run: bool = False
) -> ImportReport:
    """Check every row, then import all items in one transaction — or none, when any row fails and
    the officer did not ask for the valid rows only. New 实施编码 become published items; known ones get
    a new published version unless nothing in the file differs from the current one."""
    workbook = open_workbook(content)
    try:
        items, stray = parse_workbook(workbook, by)
    finally:
        workbook.close()
    errors = stray + [error for item in items for error in item.errors]
    sheets = {ITEM_SHEET: 0, MATERIAL_SHEET: 1}
    headers = {ITEM_SHEET: ITEM_HEADERS, MATERIAL_SHEET: MATERIAL_HEADERS}
    errors.sort(key=lambda e: (sheets[e.sheet], e.row, (headers[e.sheet] + [e.column]).index(e.column)))
    report = ImportReport(errors=errors, dry_run=dry_run)
    report.skipped = sorted(
        {e.row for e in errors if e.sheet == ITEM_SHEET and e.row > 1} | {i.row for i in items if i.errors}
    )
    good = [item for item in items if not item.errors]
    if errors and (not valid_only or not good):
        report.rejected, report.skipped = True, []
        return report
    with transaction.atomic():
        for item in good:
            _save(item, by, report)
        if report.created or report.updated:
            audit.record(
                "catalog.imported",
                actor=by,
                object_type="catalog.serviceitem",
                object_repr="事项目录 Excel 导入",
                after={"created": report.created, "updated": report.updated, "skipped_rows": report.skipped},
            )
        if dry_run:
            transaction.set_rollback(True)
    return report
