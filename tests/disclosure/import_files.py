"""Files an office would import: rows of the “申请” sheet, and workbooks with the “征求意见” and “复议诉讼”
sheets beside it, or CSV; one request of 2024 with a consultation, a review and a suit after it."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook

from yimen.disclosure.import_linked import APPEAL_HEADERS, APPEALS, CONSULTATION_HEADERS, CONSULTATIONS
from yimen.disclosure.import_rows import HEADERS, SHEET


def row(**cells: Any) -> dict[str, Any]:
    """A request handed in at the counter on 2018-03-05 and answered 予以公开 (the 2008 rules)."""
    return {
        "受理机关代码": "ZWFW",
        "申请人类型": "自然人",
        "申请人姓名或名称": "张三",
        "公民身份号码": "11010519491231002X",
        "联系电话": "13812345678",
        "通信地址": "咸宁市咸安区温泉路 1 号",
        "所需信息描述": "2018年本市老旧小区改造计划及资金安排",
        "获取信息的形式": "纸质文本",
        "获取信息的方式": "邮寄",
        "申请渠道": "当面提交",
        "提交日期": date(2018, 3, 5),
        "答复日期": date(2018, 3, 20),
        "办理结果": "予以公开",
        "获取信息的方式说明": "邮寄纸质文本",
        "送达日期": date(2018, 3, 22),
        "办结日期": date(2018, 3, 22),
    } | cells


NUMBER = "咸政公开〔2024〕31号"


def consulted(**cells: Any) -> dict[str, Any]:
    """Received at the counter on Monday 2024-09-02; a third party consulted over 中秋; answered after 国庆."""
    return (
        row(
            申请编号=NUMBER,
            提交日期=date(2024, 9, 2),
            答复日期=date(2024, 10, 14),
            办理结果="部分公开",
            理由="含第三方商业秘密，已作区分处理",
            获取信息的方式说明="电子邮件发送",
            送达日期=date(2024, 10, 15),
            办结日期=date(2024, 10, 15),
        )
        | cells
    )


CONSULTATION = {
    "申请编号": NUMBER,
    "征求对象": "第三方",
    "对象名称": "咸宁市青山置业有限公司",
    "发出日期": date(2024, 9, 10),
    "收回日期": date(2024, 9, 20),
    "意见": "同意部分公开",
}
REVIEW = {
    "申请编号": NUMBER,
    "类别": "行政复议",
    "申请或起诉日期": date(2024, 11, 20),
    "复议机关或法院": "咸宁市人民政府",
    "案号": "咸政复〔2024〕88号",
    "结果": "结果维持",
    "决定或判决日期": date(2025, 1, 15),
}
SUIT = {
    "申请编号": NUMBER,
    "类别": "复议后起诉",
    "申请或起诉日期": date(2025, 1, 30),
    "复议机关或法院": "咸宁市咸安区人民法院",
    "结果": "尚未审结",
}


def xlsx(
    *rows: dict[str, Any],
    headers: Sequence[str] = HEADERS,
    consultations: Sequence[dict[str, Any]] = (),
    appeals: Sequence[dict[str, Any]] = (),
) -> bytes:
    """A workbook of the rows; the other sheets only when they have rows."""
    book = Workbook()
    sheets: list[tuple[str, Sequence[str], Sequence[dict[str, Any]]]] = [(SHEET, headers, rows)]
    if consultations:
        sheets.append((CONSULTATIONS, CONSULTATION_HEADERS, consultations))
    if appeals:
        sheets.append((APPEALS, APPEAL_HEADERS, appeals))
    for i, (title, columns, values) in enumerate(sheets):
        sheet = book.active if i == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        sheet.append(list(columns))
        for cells in values:
            sheet.append([cells.get(column) for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(*rows: dict[str, Any], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for values in rows:
        writer.writerow([values.get(column, "") for column in HEADERS])
    return out.getvalue().encode(encoding)
