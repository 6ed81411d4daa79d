"""The notices a case gives its applicant: 受理通知书, 不予受理通知书, 补正材料通知书 (一次性告知书), 办结通知书.

行政许可法 第三十二条: acceptance or refusal is given in writing, sealed and dated, and what is missing is told
once, in full. One `Notice` (core/documents.py) holds what a letter says; its wording lives in the
templates cases/notices/<kind>.txt, so an office can reword a letter without touching code. It is printed
by core's letter layout as PDF (WeasyPrint, Noto CJK, never the network) and as DOCX for offices that edit
before sealing. The 办结 notice carries a QR code to the case's 好差评 page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

from yimen.cases.deadlines import END_OF_DAY
from yimen.cases.links import evaluation_path
from yimen.cases.models import ApplicantKind, Case, CaseEvent, CaseState, Result
from yimen.catalog.limits import format_limit
from yimen.core import documents, pages
from yimen.core.documents import Block, Notice, Table, day
from yimen.core.errors import ApplicationError, TransitionError
from yimen.org import queries as org_queries
from yimen.org.models import Organisation
from yimen.org.queries import review_body

QR_CAPTION = "扫码评价本次服务（好差评）"
# Where a letter template puts its tables: a paragraph that is exactly one of these marks.
FACTS_MARK, MATERIALS_MARK = "[办件信息]", "[补正材料]"


@dataclass(frozen=True)
class Kind:
    title: str
    subtitle: str
    word: str  # the word of the 文号: 〔2026〕受字第 … 号


KINDS: dict[str, Kind] = {
    "accepted": Kind("受理通知书", "", "受"),
    "refused": Kind("不予受理通知书", "", "不受"),
    "supplement": Kind("补正材料通知书", "（一次性告知书）", "补"),
    "concluded": Kind("办结通知书", "", "结"),
}


def moment(at: datetime | None) -> str:
    """A time on a letter; a deadline at the end of a day is that day (it is due by the day's end)."""
    if at is None:
        return ""
    local = timezone.localtime(at)
    if local.time() == END_OF_DAY:
        return day(local.date())
    return f"{day(local.date())} {local:%H:%M}"


def _absolute(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}{path}"


def lookup_path() -> str:
    """The portal's case lookup (办件查询), where 办件编号 and 查询码 are entered."""
    return pages.path("case.lookup")


def _issued(case: Case, kind: str) -> tuple[datetime, CaseEvent | None]:
    """When the notice's decision was made (its date), or why this case cannot have this notice."""
    state = case.get_state_display()
    if kind == "accepted":
        if case.accepted_at is None:
            raise TransitionError(f"办件当前为“{state}”，尚未受理，不能出具受理通知书")
        return case.accepted_at, None
    if kind == "refused":
        if case.state != CaseState.REFUSED:
            raise TransitionError(f"办件当前为“{state}”，没有作出不予受理决定，不能出具不予受理通知书")
        return case.concluded_at or case.submitted_at, None
    if kind == "supplement":
        event = case.events.filter(action="request_supplement").order_by("-at", "-id").first()
        if event is None:
            raise TransitionError("该办件没有一次性告知补齐补正的记录，不能出具补正材料通知书")
        return event.at, event
    if case.state not in (CaseState.CONCLUDED, CaseState.DELIVERED) or case.concluded_at is None:
        raise TransitionError(f"办件当前为“{state}”，尚未办结，不能出具办结通知书")
    return case.concluded_at, None


def _limit(due: datetime | None, limit: Decimal | None, unit: str) -> str:
    if due is None:
        return "法律法规未规定"
    return f"{moment(due)}（时限：{format_limit(limit, unit)}）"


def _facts(case: Case, kind: str, event: CaseEvent | None, materials: list[str]) -> Table:
    """办件信息 as a grid of four columns: two facts a row, or one whose value is long."""
    version = case.version
    applicant = [("申请人", case.applicant_name)]
    if case.applicant_kind == ApplicantKind.LEGAL and case.legal_representative:
        applicant.append(("法定代表人", case.legal_representative))
    submitted = ("申报时间", moment(case.submitted_at))
    lines: list[list[tuple[str, str]]] = [
        [("办件编号", case.number), ("查询码", case.query_code)],
        [("事项名称", version.name)],
        applicant,
    ]
    if kind == "accepted":
        lines += [
            [submitted, ("受理时间", moment(case.accepted_at))],
            [("承诺办结时间", _limit(case.promised_due, version.promised_limit, version.promised_unit))],
            [("法定办结时间", _limit(case.legal_due, version.legal_limit, version.legal_unit))],
        ]
    elif kind == "refused":
        lines.append([submitted, ("决定时间", moment(case.concluded_at))])
    elif kind == "supplement":
        lines += [
            [submitted, ("告知时间", moment(event.at) if event else "")],
            [("需补正材料", f"共 {len(materials)} 项，见上表")],
        ]
    else:
        lines += [
            [submitted, ("受理时间", moment(case.accepted_at))],
            [("办结时间", moment(case.concluded_at)), ("办结结果", case.get_result_display())],
        ]
        issued = [("证照编号", case.certificate_no)] if case.certificate_no else []
        delivered = [("送达方式", case.get_delivery_method_display())] if case.delivered_at else []
        if issued or delivered:
            lines.append(issued + delivered)
    if case.window:
        lines.append([("受理窗口", f"{case.window.number} 号窗口 {case.window.name}")])
    return Table("facts", (), tuple(tuple(cell for fact in line for cell in fact) for line in lines))


def _blocks(text: str, tables: dict[str, Table]) -> tuple[Block, ...]:
    """A rendered letter template: paragraphs apart by blank lines (a paragraph's lines join without a
    space, as Chinese does), and a mark where a table goes."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text):
        paragraph = "".join(line.strip() for line in chunk.splitlines())
        if paragraph:
            blocks.append(tables.get(paragraph, paragraph))
    return tuple(blocks)


def _first(*values: str) -> str:
    return next((v for v in values if v), "")


def _footer(case: Case, centre: Organisation | None) -> tuple[str, ...]:
    """Where the centre is, and whom to call: the organisation's phones, else the guide's, else the centre's."""
    organisation, version = case.organisation, case.version
    contact = _first(
        organisation.contact_phone, version.consult_phone, centre.contact_phone if centre else ""
    )
    supervision = _first(
        organisation.supervision_phone, version.supervise_phone, centre.supervision_phone if centre else ""
    )
    phones = "  ".join(
        f"{label}：{n}" for label, n in (("联系电话", contact), ("监督电话", supervision)) if n
    )
    address = f"{centre.name}  地址：{centre.address}" if centre and centre.address else ""
    return tuple(line for line in (address, phones) if line)


def notice(case: Case, kind: str, *, base_url: str = "") -> Notice:
    """The notice of `kind` for `case`, if its state and history allow one; `base_url` makes the lookup and
    evaluation addresses absolute (https://zwfw.example.gov.cn)."""
    if kind not in KINDS:
        raise ApplicationError(
            "没有这种通知书", fields={"kind": ["通知书类型：只能是受理、不予受理、补正材料或办结通知书"]}
        )
    # Read afresh: a notice states what is recorded, whatever copy of the case the caller holds.
    case = Case.objects.select_related("version", "organisation__parent", "window").get(pk=case.pk)
    issued_at, event = _issued(case, kind)
    materials = [str(m) for m in event.data.get("materials", [])] if event is not None else []
    centre = org_queries.centre()
    evaluation_url = _absolute(base_url, evaluation_path(case)) if kind == "concluded" else ""
    context = {
        "case": case,
        "item_name": case.version.name,
        "submitted": moment(case.submitted_at),
        "promised_due": moment(case.promised_due),
        "legal_due": moment(case.legal_due),
        "concluded": moment(case.concluded_at),
        "result": case.get_result_display(),
        "reason": case.result_reason,
        "issued": case.result == Result.ISSUED,
        "appealable": kind == "refused" or case.result == Result.DENIED,
        "review_body": review_body(case.organisation),
        "materials": materials,
        "note": event.note if event is not None else "",
        "place": _first(case.version.location, centre.address if centre else ""),
        "lookup_url": _absolute(base_url, lookup_path()),
        "evaluation_url": evaluation_url,
    }
    tables = {
        FACTS_MARK: _facts(case, kind, event, materials),
        MATERIALS_MARK: Table(
            "materials", ("序号", "需补正的材料"), tuple((str(i), m) for i, m in enumerate(materials, 1))
        ),
    }
    spec, issued = KINDS[kind], timezone.localtime(issued_at)
    return Notice(
        kind=kind,
        title=spec.title,
        subtitle=spec.subtitle,
        doc_number=f"〔{issued.year}〕{spec.word}字第 {case.number} 号",
        addressee=f"{case.applicant_name}：",
        blocks=_blocks(render_to_string(f"cases/notices/{kind}.txt", context), tables),
        issuer=case.organisation.name,
        dated=day(issued.date()),
        footer=_footer(case, centre),
        qr_url=evaluation_url,
        qr_caption=QR_CAPTION if evaluation_url else "",
    )


def available(case: Case) -> list[str]:
    """The kinds of notice the case can have now, for the links on its page."""
    kinds = []
    for kind in KINDS:
        try:
            _issued(case, kind)
        except TransitionError:
            continue
        kinds.append(kind)
    return kinds


# --- PDF and DOCX: core's letter layout ---------------------------------------------------------------


def notice_html(case: Case, kind: str, *, base_url: str) -> str:
    """The print layout the PDF is made from."""
    return documents.layout_html(notice(case, kind, base_url=base_url))


def notice_pdf(case: Case, kind: str, *, base_url: str) -> bytes:
    """The notice as an A4 PDF in Noto Serif CJK; the stylesheet is read from disk, nothing is fetched."""
    return documents.layout_pdf(notice(case, kind, base_url=base_url))


def notice_docx(case: Case, kind: str, *, base_url: str) -> bytes:
    """The same notice as a Word document (A4, GB/T 9704 margins), for offices that edit before sealing."""
    return documents.layout_docx(notice(case, kind, base_url=base_url))
