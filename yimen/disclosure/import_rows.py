"""The “申请” sheet of the historical-request file: its columns, each cell checked into a value (or a
RowError naming its row and column), and each row's history checked complete enough to be replayed
(import_replay.py replays it). The sheets of consultations and appeals are in import_linked.py, the
reading of the file in import_file.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import TextChoices

from yimen.core import identity
from yimen.core.spreadsheet import Cells, RowError
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
    "申请编号", "受理机关代码", "申请人类型", "申请人姓名或名称", "公民身份号码", "统一社会信用代码", "法定代表人或负责人",
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
# Written by the export after 申请编号 for the reader, ignored by the import (it computes them again).
EXPORT_ONLY = ["状态", "收到申请之日", "适用条例", "答复期限", "是否超期"]
EXPORT_HEADERS = HEADERS[:1] + EXPORT_ONLY + HEADERS[1:]

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


def keys_of(choices: type[TextChoices], aliases: dict[str, str] | None = None) -> dict[str, str]:
    """A choice by its value, its label, or its label without the bracketed note (“邮寄” for “邮寄（需签收）”)."""
    keys: dict[str, str] = {}
    for value, label in choices.choices:
        keys.update({str(value).lower(): value, str(label): value, re.split(r"[（(]", str(label))[0]: value})
    return keys | (aliases or {})


def grouped_keys(choices: type[TextChoices]) -> dict[str, str]:
    """A choice labelled “group：row” by its value, its full label, the label without the colon, or —
    where only one choice has it — the row alone (“属于国家秘密”, “复议后起诉”). The group alone
    (“不予公开”, “行政诉讼”) names no choice and is refused."""
    keys: dict[str, str] = {}
    rows: dict[str, list[str]] = {}
    for value, label in choices.choices:
        group, _, row = str(label).partition("：")
        keys.update({str(value).lower(): value, str(label): value, group + row: value})
        if row:
            rows.setdefault(row, []).append(value)
    keys.update({row: values[0] for row, values in rows.items() if len(values) == 1})
    return keys


# A column's choices: its keys (see keys_of), the TextChoices, and the value when blank (None: required).
Choice = tuple[dict[str, str], type[TextChoices], str | None]
CHOICES: dict[str, Choice] = {
    "申请人类型": (keys_of(ApplicantType, {"个人": ApplicantType.NATURAL}), ApplicantType, None),
    "获取信息的形式": (
        keys_of(
            FormWanted,
            {"纸质": FormWanted.PAPER, "电子": FormWanted.ELECTRONIC, "查阅": FormWanted.INSPECTION},
        ),
        FormWanted,
        FormWanted.PAPER,
    ),
    "获取信息的方式": (keys_of(DeliveryMethod), DeliveryMethod, DeliveryMethod.POST),
    "申请渠道": (
        keys_of(Channel, {"当面": Channel.IN_PERSON, "口头": Channel.ORAL, "信函": Channel.ORDINARY_MAIL}),
        Channel,
        None,
    ),
    "计收方式": (
        keys_of(FeeMethod, {"按件": FeeMethod.PER_REQUEST, "按量": FeeMethod.PER_PAGE}),
        FeeMethod,
        "",
    ),
    "办理结果": (grouped_keys(Outcome), Outcome, ""),
}


@dataclass
class Row:
    """One row of a sheet as read: its cells as values, or the problems found."""

    number: int
    cells: dict[str, Any]
    sheet: str = SHEET
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.sheet, self.number, column, message))


# --- one row ------------------------------------------------------------------------------------


def choice(cells: Cells, column: str, spec: Choice | None = None) -> str:
    """The choice a cell names (by `spec`, or the column's entry in CHOICES); its default when blank."""
    keys, choices, default = spec or CHOICES[column]
    text = cells[column]
    if not text:
        if default is None:
            cells.error(column, f"{column}必填")
        return default or ""
    found = keys.get(text.lower(), keys.get(text))
    if found is None:
        allowed = "、".join(str(label) for label in choices.labels)
        cells.error(column, f"{column}“{text}”不是可选值，可选：{allowed}")
    return found or ""


def parse(row: Row) -> None:
    """The row's cells as values, every problem noted against its column, then the history checked."""
    cells = Cells(row.sheet, row.number, row.cells, row.errors)
    number = cells.text("申请编号", DisclosureRequest, "number")
    v: dict[str, Any] = {"申请编号": identity.normalize(number), "受理机关代码": cells["受理机关代码"]}
    if not v["受理机关代码"]:
        cells.error("受理机关代码", "受理机关代码必填")
    for column, name in TEXT_COLUMNS.items():
        v[column] = cells.text(column, DisclosureRequest, name, required=column in REQUIRED)
    for column in FREE_TEXT:
        v[column] = cells[column]
    for column in CHOICES:
        v[column] = choice(cells, column)
    for column in DATE_COLUMNS:
        v[column] = cells.date(column, required=column in REQUIRED)
    for column in ("延长工作日", "件次或页数", "提供页数"):
        v[column] = cells.integer(column, default=0)
    row.values = v
    _check_history(row)


def together(row: Row, columns: list[str], what: str) -> None:
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
    together(row, ["补正告知日期", "需要补正的事项", "补正期限"], "补正")
    together(row, ["收到补正日期", "补正内容"], "收到补正")
    if v["收到补正日期"] and not v["补正告知日期"]:
        row.error("补正告知日期", "填写收到补正日期时，补正告知日期必填")
    together(row, ["延长工作日", "延期日期"], "延期")
    together(row, ["计收方式", "件次或页数", "收费通知日期"], "收费")
    if v["缴费日期"] and not v["收费通知日期"]:
        row.error("收费通知日期", "填写缴费日期时，收费通知日期必填")
    together(row, ["答复日期", "办理结果"], "答复")
    for later in ("送达日期", "办结日期"):
        if v[later] and not v["答复日期"]:
            row.error(later, f"填写{later}时，答复日期和办理结果必填")
    if v["办结日期"] and not v["送达日期"] and v["办理结果"] not in BY_EXPIRY:
        row.error("送达日期", "填写办结日期时，送达日期必填（先送达后办结）")
    if v["办理结果"] == Outcome.NO_CLARIFICATION and (not v["补正告知日期"] or v["收到补正日期"]):
        row.error("办理结果", "逾期未补正：须填写补正告知日期和补正期限，且不填收到补正日期")
    if v["办理结果"] == Outcome.FEE_UNPAID and (not v["收费通知日期"] or v["缴费日期"]):
        row.error("办理结果", "逾期未缴费：须填写收费通知日期，且不填缴费日期")


def check_numbers(rows: list[Row]) -> None:
    """An office's own 申请编号 appear once in the file (the services refuse one already in Yimen)."""
    seen: dict[str, int] = {}
    for row in rows:
        number = row.values.get("申请编号", "")
        if number in seen:
            row.error("申请编号", f"申请编号“{number}”与第{seen[number]}行重复，申请编号不能重复")
        elif number:
            seen[number] = row.number
