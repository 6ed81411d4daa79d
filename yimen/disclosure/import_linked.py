"""The sheets beside “申请” in the historical-request workbook: “征求意见” (条例第三十二条、第三十四条: whom,
when sent, when answered) and “复议诉讼” (行政复议 and 行政诉讼: kind, filed, body, result, decided). A
request may have several of each, so each is a row of its own naming the request by its 申请编号 in the
“申请” sheet of the same file. Each cell is checked here; import_replay.py replays the rows on their dates
among the request's own steps. CSV files carry the “申请” sheet only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from yimen.core import identity
from yimen.core.spreadsheet import Cells
from yimen.disclosure.import_rows import Choice, Row, choice, grouped_keys, keys_of, together
from yimen.disclosure.models import Appeal, AppealKind, AppealResult, Consultation, ConsultationParty

CONSULTATIONS = "征求意见"
CONSULTATION_HEADERS = ["申请编号", "征求对象", "对象名称", "发出日期", "收回日期", "意见"]
CONSULTATION_REQUIRED = ["申请编号", "征求对象", "对象名称", "发出日期"]
APPEALS = "复议诉讼"
APPEAL_HEADERS = ["申请编号", "类别", "申请或起诉日期", "复议机关或法院", "案号", "结果", "决定或判决日期"]
APPEAL_REQUIRED = ["申请编号", "类别", "申请或起诉日期", "复议机关或法院"]
PENDING = "尚未审结"  # the annual report's column for an appeal without a result yet

PARTY: Choice = (
    keys_of(
        ConsultationParty, {"第三人": ConsultationParty.THIRD_PARTY, "其他行政机关": ConsultationParty.AGENCY}
    ),
    ConsultationParty,
    None,
)
KIND: Choice = (
    grouped_keys(AppealKind) | {"直接起诉": AppealKind.LITIGATION_DIRECT, "复议": AppealKind.RECONSIDERATION},
    AppealKind,
    None,
)
RESULT: Choice = (
    keys_of(AppealResult, {"维持": AppealResult.MAINTAINED, "纠正": AppealResult.CORRECTED, PENDING: ""}),
    AppealResult,
    "",
)
# A service's field, on these sheets, is this column.
CONSULTATION_COLUMNS = {
    "party_kind": "征求对象", "party_name": "对象名称", "sent_on": "发出日期", "replied_on": "收回日期",
    "opinion": "意见",
}  # fmt: skip
APPEAL_COLUMNS = {
    "kind": "类别", "filed_on": "申请或起诉日期", "body": "复议机关或法院", "reference": "案号",
    "result": "结果", "decided_on": "决定或判决日期",
}  # fmt: skip


def _number(row: Row, cells: Cells) -> str:
    number = identity.normalize(cells["申请编号"])
    if not number:
        cells.error("申请编号", "申请编号必填（与“申请”表中该申请的申请编号相同）")
    return number


def parse_consultation(row: Row) -> None:
    cells = Cells(row.sheet, row.number, row.cells, row.errors)
    row.values = {
        "申请编号": _number(row, cells),
        "征求对象": choice(cells, "征求对象", PARTY),
        "对象名称": cells.text("对象名称", Consultation, "party_name", required=True),
        "发出日期": cells.date("发出日期", required=True),
        "收回日期": cells.date("收回日期"),
        "意见": cells.text("意见", Consultation, "opinion"),
    }
    if row.values["意见"] and not row.values["收回日期"]:
        row.error("收回日期", "填写意见时，收回日期必填")
    _in_order(row, "发出日期", "收回日期")


def parse_appeal(row: Row) -> None:
    cells = Cells(row.sheet, row.number, row.cells, row.errors)
    row.values = {
        "申请编号": _number(row, cells),
        "类别": choice(cells, "类别", KIND),
        "申请或起诉日期": cells.date("申请或起诉日期", required=True),
        "复议机关或法院": cells.text("复议机关或法院", Appeal, "body", required=True),
        "案号": cells.text("案号", Appeal, "reference"),
        "结果": choice(cells, "结果", RESULT),
        "决定或判决日期": cells.date("决定或判决日期"),
    }
    together(row, ["结果", "决定或判决日期"], "复议或诉讼结果（尚未审结的两项都不填）")
    _in_order(row, "申请或起诉日期", "决定或判决日期")


def _in_order(row: Row, first: str, then: str) -> None:
    if row.values[first] and row.values[then] and row.values[then] < row.values[first]:
        row.error(then, f"{then}不能早于{first}")


def link(requests: list[Row], linked: Iterable[Row]) -> dict[int, list[Row]]:
    """The consultation and appeal rows of each request row (by the request row's number in the file);
    a row naming a 申请编号 the “申请” sheet does not have is an error at its own row."""
    by_number = {row.values["申请编号"]: row for row in requests if row.values.get("申请编号")}
    found: dict[int, list[Row]] = {}
    for row in linked:
        number = row.values.get("申请编号", "")
        request = by_number.get(number)
        if number and request is None:
            row.error("申请编号", f"“申请”表中没有申请编号为“{number}”的申请")
        elif request is not None:
            found.setdefault(request.number, []).append(row)
            _check_against(row, request.values)
    return found


def _check_against(row: Row, request: dict[str, Any]) -> None:
    """An answered request has no consultation still waiting for its opinion."""
    if row.sheet == CONSULTATIONS and request.get("答复日期") and not row.values["收回日期"]:
        row.error("收回日期", f"该申请已于{request['答复日期']:%Y-%m-%d}答复，征求意见须填写收回日期")
