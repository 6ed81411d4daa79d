"""One historical request replayed through the services, each step on its own date: registered (under
the office's own 申请编号 when the file has one), 补正 asked and received, consultations sent and answered,
extended, fee notified and paid, replied, delivered, closed, appealed and decided — so its receipt date,
deadline and clock follow the same rules as a request filed today. A step the services refuse is
reported at the row and column it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from yimen.core.errors import ApplicationError
from yimen.core.people import Applicant
from yimen.disclosure.import_linked import APPEAL_COLUMNS, APPEALS, CONSULTATION_COLUMNS, CONSULTATIONS
from yimen.disclosure.import_rows import Row
from yimen.disclosure.models import DisclosureRequest, Outcome
from yimen.disclosure.services import appeals, clock, fees, intake
from yimen.disclosure.services import steps as request_steps
from yimen.org.models import Organisation, Staff

# Where a service's field message belongs on the “申请” sheet.
SERVICE_COLUMNS = {
    "number": "申请编号", "applicant_type": "申请人类型", "name": "申请人姓名或名称", "id_number": "公民身份号码",
    "uscc": "统一社会信用代码", "legal_representative": "法定代表人或负责人", "contact_person": "联系人",
    "phone": "联系电话", "email": "电子邮箱", "address": "通信地址", "postcode": "邮政编码",
    "description": "所需信息描述", "form_wanted": "获取信息的形式", "delivery_method": "获取信息的方式",
    "channel": "申请渠道", "submitted_on": "提交日期", "signed_on": "签收日期", "confirmed_on": "确认日期",
    "items": "需要补正的事项", "deadline_on": "补正期限", "content": "补正内容", "workdays": "延长工作日",
    "reason": "延期理由", "method": "计收方式", "quantity": "件次或页数", "outcome": "办理结果",
    "reasons": "理由", "how_to_obtain": "获取信息的方式说明", "pages": "提供页数",
}  # fmt: skip
# The order of the steps of one day, and where a message naming no field goes.
STEPS = {
    "register": "提交日期", "request_clarification": "补正告知日期", "receive_clarification": "收到补正日期",
    "start": "提交日期", "start_consultation": "发出日期", "end_consultation": "收回日期", "extend": "延期日期",
    "issue_fee_notice": "收费通知日期", "record_payment": "缴费日期", "expire_clarification": "答复日期",
    "expire_fee": "答复日期", "reply": "答复日期", "deliver": "送达日期", "close": "办结日期",
    "file_appeal": "申请或起诉日期", "decide_appeal": "决定或判决日期",
}  # fmt: skip
ORDER = {name: i for i, name in enumerate(STEPS)}
COLUMNS = {CONSULTATIONS: CONSULTATION_COLUMNS, APPEALS: APPEAL_COLUMNS}
NO_OPINION = "（历史数据导入，未记录意见）"
SERVICES: dict[str, Callable[..., Any]] = {
    service.__name__: service
    for service in (
        request_steps.start,
        request_steps.reply,
        request_steps.deliver,
        request_steps.close,
        clock.request_clarification,
        clock.receive_clarification,
        clock.expire_clarification,
        clock.start_consultation,
        clock.end_consultation,
        clock.extend,
        fees.issue_fee_notice,
        fees.record_payment,
        fees.expire_fee,
        appeals.file_appeal,
        appeals.decide_appeal,
    )
}
# Each service's date keyword (the rest take `on`).
DATE_KEYWORD = {
    "start_consultation": "sent_on",
    "end_consultation": "replied_on",
    "file_appeal": "filed_on",
    "decide_appeal": "decided_on",
}


@dataclass
class Step:
    """One service call of the history: on its date, from the row (and sheet) it was read from."""

    on: date
    service: str
    keywords: dict[str, Any]
    row: Row
    column: str = ""  # where a message naming no field goes, when not the service's usual column

    def locate(self, exc: ApplicationError) -> None:
        """The service's refusal at the cells it names, or at the step's date."""
        columns = COLUMNS.get(self.row.sheet, SERVICE_COLUMNS)
        date_column = self.column or STEPS[self.service]
        if not exc.fields:
            self.row.error(date_column, exc.message)
        for name, messages in exc.fields.items():
            for message in messages:
                self.row.error(columns.get(name, date_column), message)


def _own_steps(row: Row, consultations: list[Row]) -> list[Step]:
    """The request row's own history (after its registration)."""
    v, steps = row.values, []

    def add(on: date | None, service: str, **keywords: Any) -> None:
        assert on is not None  # each step's columns are checked filled together
        steps.append(Step(on, service, keywords, row))

    if v["补正告知日期"]:
        add(v["补正告知日期"], "request_clarification", items=v["需要补正的事项"], deadline_on=v["补正期限"])
        if v["收到补正日期"]:
            add(v["收到补正日期"], "receive_clarification", content=v["补正内容"])
    later = [(v[column], row, column) for column in ("延期日期", "收费通知日期") if v[column]]
    later += [(c.values["发出日期"], c, "发出日期") for c in consultations]
    if later and not v["收到补正日期"]:  # a received 补正 takes the request to 办理中 by itself
        on, first, column = min(later, key=lambda found: found[0])
        steps.append(Step(on, "start", {}, first, column))  # taken up when first worked on
    if v["延长工作日"]:
        add(v["延期日期"], "extend", workdays=v["延长工作日"], reason=v["延期理由"] or "历史数据导入")
    if v["收费通知日期"]:
        add(v["收费通知日期"], "issue_fee_notice", method=v["计收方式"], quantity=v["件次或页数"])
        if v["缴费日期"]:
            add(v["缴费日期"], "record_payment")
    if v["办理结果"] == Outcome.NO_CLARIFICATION:
        add(v["答复日期"], "expire_clarification")
    elif v["办理结果"] == Outcome.FEE_UNPAID:
        add(v["答复日期"], "expire_fee")
    elif v["办理结果"]:
        reply = {"outcome": v["办理结果"], "reasons": v["理由"], "how_to_obtain": v["获取信息的方式说明"]}
        add(v["答复日期"], "reply", **reply, pages=v["提供页数"])
        if v["送达日期"]:
            add(v["送达日期"], "deliver")
        if v["办结日期"]:
            add(v["办结日期"], "close")
    return steps


def _linked_steps(row: Row) -> list[Step]:
    """A consultation's or an appeal's steps."""
    v = row.values
    if row.sheet == CONSULTATIONS:
        party = {"party_kind": v["征求对象"], "party_name": v["对象名称"]}
        found = [Step(v["发出日期"], "start_consultation", party, row)]
        if v["收回日期"]:
            opinion = v["意见"] or NO_OPINION
            found.append(Step(v["收回日期"], "end_consultation", {"opinion": opinion}, row))
        return found
    filed = {"kind": v["类别"], "body": v["复议机关或法院"], "reference": v["案号"]}
    found = [Step(v["申请或起诉日期"], "file_appeal", filed, row)]
    if v["结果"]:
        found.append(Step(v["决定或判决日期"], "decide_appeal", {"result": v["结果"]}, row))
    return found


def history(row: Row, linked: list[Row]) -> list[Step]:
    """Every step after registration, in the order it happened (a day's steps in the workflow's order)."""
    consultations = [r for r in linked if r.sheet == CONSULTATIONS]
    steps = _own_steps(row, consultations) + [step for r in linked for step in _linked_steps(r)]
    return sorted(steps, key=lambda step: (step.on, ORDER[step.service]))


def _register(v: dict[str, Any], organisation: Organisation, by: Staff) -> DisclosureRequest:
    return intake.register(
        organisation=organisation,
        by=by,
        channel=v["申请渠道"],
        applicant=Applicant(
            kind=v["申请人类型"],
            name=v["申请人姓名或名称"],
            id_number=v["公民身份号码"],
            uscc=v["统一社会信用代码"],
            legal_representative=v["法定代表人或负责人"],
            contact_person=v["联系人"],
            phone=v["联系电话"],
            email=v["电子邮箱"],
            address=v["通信地址"],
            postcode=v["邮政编码"],
        ),
        description=v["所需信息描述"],
        form_wanted=v["获取信息的形式"],
        delivery_method=v["获取信息的方式"],
        submitted_on=v["提交日期"],
        signed_on=v["签收日期"],
        confirmed_on=v["确认日期"],
        number=v["申请编号"] or None,
    )


def file_row(row: Row, linked: list[Row], organisation: Organisation, by: Staff) -> DisclosureRequest | None:
    """Register the request, then replay its history step by step; None (and the problem noted at its
    row) when the services refuse a step."""
    try:
        request = _register(row.values, organisation, by)
    except ApplicationError as exc:
        Step(row.values["提交日期"], "register", {}, row).locate(exc)
        return None
    made: dict[int, Any] = {}  # a consultation's or appeal's row (by id) → what its first step made
    for step in history(row, linked):
        subject: dict[str, Any] = {"request": request}
        if step.service == "end_consultation":
            subject = {"consultation": made[id(step.row)]}
        elif step.service == "decide_appeal":
            subject = {"appeal": made[id(step.row)]}
        when = {DATE_KEYWORD.get(step.service, "on"): step.on}
        try:
            result = SERVICES[step.service](by=by, **subject, **when, **step.keywords)
        except ApplicationError as exc:
            step.locate(exc)
            return None
        if step.service in ("start_consultation", "file_appeal"):
            made[id(step.row)] = result
    return request
