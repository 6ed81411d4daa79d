"""The layout of the historical-request file and the reading of it: the columns, CSV or .xlsx, each cell
checked into a value (or a RowError naming its row and column), and each row's history checked complete
enough to be replayed (importing.py replays it)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import TextChoices

from yimen.core.errors import ApplicationError
from yimen.core.spreadsheet import (
    MAX_UPLOAD_BYTES,
    XLSX_SIGNATURE,
    Cells,
    RowError,
    open_workbook,
    read_rows,
)
from yimen.disclosure.models import (
    ApplicantType,
    Channel,
    DeliveryMethod,
    DisclosureRequest,
    FeeMethod,
    FormWanted,
    Outcome,
)
from yimen.disclosure.workflow import BY_EXPIRY

SHEET = "申请"
HEADERS = [
    "受理机关代码", "申请人类型", "申请人姓名或名称", "公民身份号码", "统一社会信用代码", "法定代表人或负责人",
    "联系人", "联系电话", "电子邮箱", "通信地址", "邮政编码", "所需信息描述", "获取信息的形式", "获取信息的方式",
    "申请渠道", "提交日期", "签收日期", "确认日期",
    "补正告知日期", "需要补正的事项", "补正期限", "收到补正日期", "补正内容",
    "延长工作日", "延期日期", "延期理由",
    "计收方式", "件次或页数", "收费通知日期", "缴费日期",
    "答复日期", "办理结果", "理由", "获取信息的方式说明", "提供页数", "送达日期", "办结日期",
]  # fmt: skip
REQUIRED = [
    "受理机关代码",
    "申请人类型",
    "申请人姓名或名称",
    "联系电话",
    "所需信息描述",
    "申请渠道",
    "提交日期",
]
# Written by the export for the reader, ignored by the import (the import computes them again).
EXPORT_ONLY = ["申请编号", "状态", "收到申请之日", "适用条例", "答复期限", "是否超期"]
MAX_ROWS = 5000
NOT_READABLE = "文件不是 Excel 工作簿（.xlsx）或 CSV 文本，请另存为其中一种后再导入"

TEXT_COLUMNS = {
    "申请人姓名或名称": "applicant_name", "公民身份号码": "id_number", "统一社会信用代码": "uscc",
    "法定代表人或负责人": "legal_representative", "联系人": "contact_person", "联系电话": "phone",
    "电子邮箱": "email", "通信地址": "address", "邮政编码": "postcode", "所需信息描述": "description",
}  # fmt: skip
FREE_TEXT = ["需要补正的事项", "补正内容", "延期理由", "理由", "获取信息的方式说明"]
DATE_COLUMNS = [
    "提交日期", "签收日期", "确认日期", "补正告知日期", "补正期限", "收到补正日期", "延期日期", "收费通知日期",
    "缴费日期", "答复日期", "送达日期", "办结日期",
]  # fmt: skip


def _keys(choices: type[TextChoices], aliases: dict[str, str] | None = None) -> dict[str, str]:
    """A choice by its value, its label, or its label without the bracketed note (“邮寄” for “邮寄（需签收）”)."""
    keys: dict[str, str] = {}
    for value, label in choices.choices:
        keys.update({str(value).lower(): value, str(label): value, re.split(r"[（(]", str(label))[0]: value})
    return keys | (aliases or {})


def _outcome_keys() -> dict[str, str]:
    """An outcome by its table 三 key (r3_1), its full label, the label without the colon, or — where only
    one outcome has it — the row's own label (“属于国家秘密”). “不予公开” alone names no row and is refused."""
    keys: dict[str, str] = {}
    rows: dict[str, list[str]] = {}
    for value, label in Outcome.choices:
        group, _, row = str(label).partition("：")
        keys.update({str(value).lower(): value, str(label): value, group + row: value})
        if row:
            rows.setdefault(row, []).append(value)
    keys.update({row: values[0] for row, values in rows.items() if len(values) == 1})
    return keys


CHOICES: dict[str, tuple[dict[str, str], type[TextChoices], str | None]] = {
    "申请人类型": (_keys(ApplicantType, {"个人": ApplicantType.NATURAL}), ApplicantType, None),
    "获取信息的形式": (
        _keys(
            FormWanted,
            {"纸质": FormWanted.PAPER, "电子": FormWanted.ELECTRONIC, "查阅": FormWanted.INSPECTION},
        ),
        FormWanted,
        FormWanted.PAPER,
    ),
    "获取信息的方式": (_keys(DeliveryMethod), DeliveryMethod, DeliveryMethod.POST),
    "申请渠道": (
        _keys(Channel, {"当面": Channel.IN_PERSON, "口头": Channel.ORAL, "信函": Channel.ORDINARY_MAIL}),
        Channel,
        None,
    ),
    "计收方式": (
        _keys(FeeMethod, {"按件": FeeMethod.PER_REQUEST, "按量": FeeMethod.PER_PAGE}),
        FeeMethod,
        "",
    ),
    "办理结果": (_outcome_keys(), Outcome, ""),
}


@dataclass
class Row:
    """One request as read from its row: its cells as values, or the problems found."""

    number: int
    cells: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(SHEET, self.number, column, message))


# --- reading the file ---------------------------------------------------------------------------


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


def file_rows(content: bytes) -> tuple[list[Row], list[RowError]]:
    """The file's non-blank data rows (an .xlsx's “申请” sheet or its first, or CSV), and the problems
    of the file as a whole."""
    if len(content) > MAX_UPLOAD_BYTES:
        message = f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请拆分后分批导入"
        raise ApplicationError(message, fields={"file": [message]})
    problems: list[RowError] = []
    if content.startswith(XLSX_SIGNATURE):
        workbook = open_workbook(content)
        try:
            sheet = SHEET if SHEET in workbook.sheetnames else workbook.sheetnames[0]
            found = read_rows(workbook, sheet, REQUIRED, problems)
        finally:
            workbook.close()
    else:
        found = read_rows(_csv(content), SHEET, REQUIRED, problems)
    header = set().union(*(values.keys() for _, values in found)) if found else set()
    unknown = sorted(header - set(HEADERS) - set(EXPORT_ONLY))
    problems += [RowError(SHEET, 1, column, f"不认识的列“{column}”") for column in unknown]
    if not found and not problems:
        problems.append(RowError(SHEET, 2, "", "没有数据（第 1 行为表头，从第 2 行起每行一件申请）"))
    elif len(found) > MAX_ROWS:
        problems.append(RowError(SHEET, 0, "", f"一次最多导入 {MAX_ROWS} 件，请拆分后分批导入"))
    return [Row(number, values) for number, values in found], problems


# --- one row ------------------------------------------------------------------------------------


def _choice(cells: Cells, column: str) -> str:
    keys, choices, default = CHOICES[column]
    text = cells[column]
    if not text:
        if default is None:
            cells.error(column, f"{column}必填")
        return default or ""
    found = keys.get(text.lower()) or keys.get(text)
    if found is None:
        allowed = "、".join(str(label) for label in choices.labels)
        cells.error(column, f"{column}“{text}”不是可选值，可选：{allowed}")
    return found or ""


def parse(row: Row) -> None:
    """The row's cells as values, every problem noted against its column, then the history checked."""
    cells = Cells(SHEET, row.number, row.cells, row.errors)
    v: dict[str, Any] = {"受理机关代码": cells["受理机关代码"]}
    if not v["受理机关代码"]:
        cells.error("受理机关代码", "受理机关代码必填")
    for column, name in TEXT_COLUMNS.items():
        v[column] = cells.text(column, DisclosureRequest, name, required=column in REQUIRED)
    for column in FREE_TEXT:
        v[column] = cells[column]
    for column in CHOICES:
        v[column] = _choice(cells, column)
    for column in DATE_COLUMNS:
        v[column] = cells.date(column, required=column in REQUIRED)
    for column in ("延长工作日", "件次或页数", "提供页数"):
        v[column] = cells.integer(column, default=0)
    row.values = v
    _check_history(row)


def _together(row: Row, columns: list[str], what: str) -> None:
    """The columns of one step are filled all together or not at all."""
    filled = [c for c in columns if row.values[c]]
    if filled and len(filled) < len(columns):
        for column in columns:
            if not row.values[column]:
                row.error(column, f"填写{what}时，{column}必填（{'、'.join(columns)}）")


def _check_history(row: Row) -> None:
    """The history must be complete enough to replay: each step's columns together, later steps after
    the reply they follow."""
    v = row.values
    _together(row, ["补正告知日期", "需要补正的事项", "补正期限"], "补正")
    _together(row, ["收到补正日期", "补正内容"], "收到补正")
    if v["收到补正日期"] and not v["补正告知日期"]:
        row.error("补正告知日期", "填写收到补正日期时，补正告知日期必填")
    _together(row, ["延长工作日", "延期日期"], "延期")
    _together(row, ["计收方式", "件次或页数", "收费通知日期"], "收费")
    if v["缴费日期"] and not v["收费通知日期"]:
        row.error("收费通知日期", "填写缴费日期时，收费通知日期必填")
    _together(row, ["答复日期", "办理结果"], "答复")
    for later in ("送达日期", "办结日期"):
        if v[later] and not v["答复日期"]:
            row.error(later, f"填写{later}时，答复日期和办理结果必填")
    if v["办结日期"] and not v["送达日期"] and v["办理结果"] not in BY_EXPIRY:
        row.error("送达日期", "填写办结日期时，送达日期必填（先送达后办结）")
    if v["办理结果"] == Outcome.NO_CLARIFICATION and (not v["补正告知日期"] or v["收到补正日期"]):
        row.error("办理结果", "逾期未补正：须填写补正告知日期和补正期限，且不填收到补正日期")
    if v["办理结果"] == Outcome.FEE_UNPAID and (not v["收费通知日期"] or v["缴费日期"]):
        row.error("办理结果", "逾期未缴费：须填写收费通知日期，且不填缴费日期")
