"""Historical disclosure requests from CSV or Excel, for an office moving to Yimen.

One row per request under the headers of import_rows.HEADERS. Every cell is checked, then each row is replayed through
the services on its own dates — registered, 补正 asked and received, extended, fee notified and paid,
replied, delivered, closed — so its receipt date, deadline and clock follow the same rules as a request
filed today. Any problem in any row, whether in a cell or from the services' rules, is reported by row
and column, and nothing is kept: all or nothing. The desk's Excel export writes this layout (and a few
columns the import ignores), so an export of one Yimen imports into another.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, TextChoices

from yimen.core import audit
from yimen.core.errors import ApplicationError
from yimen.core.spreadsheet import RowError
from yimen.disclosure import deadlines, services
from yimen.disclosure.import_rows import EXPORT_ONLY, HEADERS, SHEET, Row, file_rows, parse
from yimen.disclosure.intake import Applicant
from yimen.disclosure.models import Channel, DisclosureRequest, EventKind, FeeMethod, Outcome
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can

__all__ = ["EXPORT_ONLY", "HEADERS", "SHEET", "ImportReport", "export_rows", "import_requests"]

# Where a service's field message belongs, and where a message naming no field goes for each step.
SERVICE_COLUMNS = {
    "applicant_type": "申请人类型", "name": "申请人姓名或名称", "id_number": "公民身份号码",
    "uscc": "统一社会信用代码", "legal_representative": "法定代表人或负责人", "contact_person": "联系人",
    "phone": "联系电话", "email": "电子邮箱", "address": "通信地址", "postcode": "邮政编码",
    "description": "所需信息描述", "form_wanted": "获取信息的形式", "delivery_method": "获取信息的方式",
    "channel": "申请渠道", "submitted_on": "提交日期", "signed_on": "签收日期", "confirmed_on": "确认日期",
    "items": "需要补正的事项", "deadline_on": "补正期限", "content": "补正内容", "workdays": "延长工作日",
    "reason": "延期理由", "method": "计收方式", "quantity": "件次或页数", "outcome": "办理结果",
    "reasons": "理由", "how_to_obtain": "获取信息的方式说明", "pages": "提供页数",
}  # fmt: skip
STEP_COLUMNS = {
    "register": "提交日期", "start": "提交日期", "request_clarification": "补正告知日期",
    "receive_clarification": "收到补正日期", "expire_clarification": "答复日期", "extend": "延期日期",
    "issue_fee_notice": "收费通知日期", "record_payment": "缴费日期", "expire_fee": "答复日期",
    "reply": "答复日期", "deliver": "送达日期", "close": "办结日期",
}  # fmt: skip


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


# --- filing a row through the services -----------------------------------------------------------------


def _steps(v: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The row's history as (service, its keywords), in the order it happened."""
    if v["补正告知日期"]:
        clarify = {"items": v["需要补正的事项"], "deadline_on": v["补正期限"], "on": v["补正告知日期"]}
        yield "request_clarification", clarify
        if v["收到补正日期"]:
            yield "receive_clarification", {"content": v["补正内容"], "on": v["收到补正日期"]}
    working = bool(v["收到补正日期"])  # a received 补正 takes the request to 办理中
    if not working and (v["延长工作日"] or v["收费通知日期"]):
        yield "start", {"on": min(d for d in (v["延期日期"], v["收费通知日期"]) if d)}
    if v["延长工作日"]:
        reason = v["延期理由"] or "历史数据导入"
        yield "extend", {"workdays": v["延长工作日"], "reason": reason, "on": v["延期日期"]}
    if v["收费通知日期"]:
        fee = {"method": v["计收方式"], "quantity": v["件次或页数"], "on": v["收费通知日期"]}
        yield "issue_fee_notice", fee
        if v["缴费日期"]:
            yield "record_payment", {"on": v["缴费日期"]}
    if v["办理结果"] == Outcome.NO_CLARIFICATION:
        yield "expire_clarification", {"on": v["答复日期"]}
    elif v["办理结果"] == Outcome.FEE_UNPAID:
        yield "expire_fee", {"on": v["答复日期"]}
    elif v["办理结果"]:
        reply = {"outcome": v["办理结果"], "reasons": v["理由"], "how_to_obtain": v["获取信息的方式说明"]}
        yield "reply", reply | {"pages": v["提供页数"], "on": v["答复日期"]}
        if v["送达日期"]:
            yield "deliver", {"on": v["送达日期"]}
        if v["办结日期"]:
            yield "close", {"on": v["办结日期"]}


def _locate(row: Row, step: str, exc: ApplicationError) -> None:
    """A service's refusal at the cells it names, or at the step's date."""
    if not exc.fields:
        row.error(STEP_COLUMNS[step], exc.message)
    for name, messages in exc.fields.items():
        column = SERVICE_COLUMNS.get(name, STEP_COLUMNS[step])
        for message in messages:
            row.error(column, message)


def _register(v: dict[str, Any], organisation: Organisation, by: Staff | None) -> DisclosureRequest:
    return services.register(
        organisation=organisation,
        by=by,
        channel=v["申请渠道"],
        applicant=Applicant(
            applicant_type=v["申请人类型"],
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
    )


def file_row(row: Row, organisation: Organisation, by: Staff | None) -> DisclosureRequest | None:
    """Replay the row's history through the services, step by step, each on its own date."""
    step = "register"
    try:
        request = _register(row.values, organisation, by)
        for step, keywords in _steps(row.values):
            getattr(services, step)(request=request, by=by, **keywords)
    except ApplicationError as exc:
        _locate(row, step, exc)
        return None
    return request


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
    rows, problems = file_rows(content)
    report = ImportReport(errors=problems, rows=len(rows), dry_run=dry_run)
    if problems:
        return report
    organisations = {o.code: o for o in Organisation.objects.filter(is_active=True)}
    for row in rows:
        parse(row)
    with transaction.atomic():
        for row in rows:
            organisation = _organisation(row, organisations, by)
            if row.errors or organisation is None:
                continue
            with transaction.atomic():  # a savepoint: a refused row leaves no half of itself behind
                request = file_row(row, organisation, by)
                if request is None:
                    transaction.set_rollback(True)
            if request is not None:
                report.imported.append(request.number)
        report.errors = [error for row in rows for error in row.errors]
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


# --- the same layout out ----------------------------------------------------------------------------


def _label(choices: type[TextChoices], value: str) -> str:
    return str(choices(value).label) if value else ""


def export_rows(requests: QuerySet[DisclosureRequest], today: date) -> Iterable[list[Any]]:
    """Each request as a row of EXPORT_ONLY + HEADERS (the first 延期 and the 补正 and fee as recorded)."""
    found = requests.select_related("organisation", "fee_notice", "reply").prefetch_related(
        "clarifications", "events"
    )
    for r in found.iterator(chunk_size=500):
        clarification = next(iter(r.clarifications.all()), None)
        extensions = [e for e in r.events.all() if e.kind == EventKind.EXTENDED]
        closed = [e.on for e in r.events.all() if e.kind == EventKind.CLOSED]
        fee = getattr(r, "fee_notice", None)
        answer = getattr(r, "reply", None)
        yield [
            r.number, r.get_state_display(), r.received_on, r.rules, r.due_on,
            "是" if deadlines.is_overdue(r, today) or deadlines.answered_late(r) else "否",
            r.organisation.code, r.get_applicant_type_display(), r.applicant_name, r.id_number, r.uscc,
            r.legal_representative, r.contact_person, r.phone, r.email, r.address, r.postcode, r.description,
            r.get_form_wanted_display(), r.get_delivery_method_display(), r.get_channel_display(),
            r.submitted_on, r.received_on if r.channel == Channel.REGISTERED_MAIL else None,
            r.received_on if r.channel in (Channel.ORDINARY_MAIL, Channel.FAX, Channel.EMAIL) else None,
            clarification.notified_on if clarification else None, clarification.items if clarification else "",
            clarification.deadline_on if clarification else None,
            clarification.received_on if clarification else None, clarification.content if clarification else "",
            r.extension_workdays or None, extensions[0].on if extensions else None,
            "；".join(e.note for e in extensions),
            _label(FeeMethod, fee.method) if fee else "", fee.quantity if fee else None,
            fee.issued_on if fee else None, fee.paid_on if fee else None,
            r.replied_on, _label(Outcome, r.outcome), answer.reasons if answer else "",
            answer.how_to_obtain if answer else "", answer.pages if answer else None, r.delivered_on,
            closed[-1] if closed else None,
        ]  # fmt: skip
