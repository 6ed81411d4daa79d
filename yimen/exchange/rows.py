"""What Yimen's records say in the national exchange tables' terms: one `Row` per table row.

The field names are the national platform's (up_pro_accept, up_pro_process, up_pro_result,
up_pro_special_procedure, up_pro_material, up_task_directory, up_lic_data). The code values in CODES
(申请类型, 办理类型, 业务动作, 办结结果 …) are not confirmed against a published code table: they are
the defaults, and a target's mapping may translate them (`mapping[kind]["values"][field]`). The
evaluation table's field names are not confirmed either (only a province's evaluation-page parameters
were seen): they follow the pattern of the other tables.

Each `rows_of_*` function reads one source object with what it needs in a few queries and returns every
row it owes; `sync.sync` compares them with what was sent before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from yimen.cases.models import ApplicantKind, Case, CaseEvent, CaseFile, Evaluation, SpecialProcedure
from yimen.catalog.models import ServiceItem
from yimen.certificates.models import Certificate, CertificateState
from yimen.exchange.models import Kind

# Unconfirmed code values: the defaults a target's mapping may translate (module docstring).
CODES: dict[str, dict[str, str]] = {
    "apply_type": {"online": "1", "window": "2"},  # 申请类型: 网上申请 / 窗口申请
    "applyer_type": {ApplicantKind.PERSON: "1", ApplicantKind.LEGAL: "2"},  # 自然人 / 法人
    "applyer_page_type": {ApplicantKind.PERSON: "111", ApplicantKind.LEGAL: "001"},  # GB/T 36903 附录A
    "project_type": {"immediate": "1", "promised": "2"},  # 即办件 / 承诺件
    "event_name": {  # 业务动作, two characters
        "submit": "01",
        "accept": "02",
        "refuse": "03",
        "request_supplement": "04",
        "supplement_received": "05",
        "withdraw": "06",
        "advance": "07",
        "review": "08",
        "start_special": "09",
        "end_special": "10",
        "conclude": "11",
        "deliver": "12",
    },
    "result_type": {"issued": "1", "denied": "2", "returned": "3", "voided": "4", "forwarded": "5"},
    "is_delivery_results": {"courier": "1"},  # 是否快递递送结果: 1 是, other methods 0
    "task_state": {"live": "1", "retired": "3"},  # 事项状态: 在用 / 取消
    "special_type": {"default": "99"},  # 特别程序种类: 其他 (Yimen records the reason, not the kind)
}
# 办件结果 满意度 from the 好差评 level: 5 非常满意 … 1 非常不满意.
SATISFACTION = {5: "5", 4: "4", 3: "3", 2: "2", 1: "1"}


@dataclass(frozen=True)
class Row:
    kind: str  # Kind
    source: str  # unique within the kind: case:12:accept
    group: str  # the source object all its rows come from: case:12
    organisation: int | None  # the organisation whose record it is (a department target's scope)
    changed_at: datetime  # when the record changed: the timeliness clock starts here
    fields: dict[str, Any] = field(default_factory=dict)  # the national table's fields, as text


def when(moment: datetime | date | None) -> str:
    """A time as the exchange tables write it: local time, 2026-12-07 09:30:00; a date at midnight."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
    return moment.strftime("%Y-%m-%d 00:00:00")


def case_group(case_id: int) -> str:
    return f"case:{case_id}"


def rows_of_case(case_id: int) -> list[Row]:
    """Once a case is accepted: its 受理 row, a 过程 row per step of its timeline (申报 included), a 特别程序
    row per ended procedure, a 材料 row per file, the 结果 row once concluded, the evaluation's row. Before
    acceptance it owes nothing (every table hangs on the 受理 row; a case refused or withdrawn before
    acceptance is not exchanged). An unknown case owes nothing (its
    earlier rows are then deleted: a case is only ever removed by the retention purge's anonymising,
    which keeps it, so this is a safety net)."""
    return rows_of_cases([case_id]).get(case_id, [])


def rows_of_cases(case_ids: Iterable[int]) -> dict[int, list[Row]]:
    """`rows_of_case` for many cases in four queries (the daily reconciliation, the demo's history)."""
    ids = list(case_ids)
    cases = Case.objects.select_related("item", "version", "organisation", "evaluation").filter(pk__in=ids)
    timelines: dict[int, list[CaseEvent]] = defaultdict(list)
    for entry in CaseEvent.objects.filter(case__in=ids).select_related("by").order_by("case", "at", "pk"):
        timelines[entry.case_id].append(entry)
    procedures: dict[int, list[SpecialProcedure]] = defaultdict(list)
    for procedure in SpecialProcedure.objects.filter(case__in=ids, ended_on__isnull=False).order_by("pk"):
        procedures[procedure.case_id].append(procedure)
    files: dict[int, list[CaseFile]] = defaultdict(list)
    for file in CaseFile.objects.filter(case__in=ids).order_by("pk"):
        files[file.case_id].append(file)
    return {
        case.pk: _rows_of_case(case, timelines[case.pk], procedures[case.pk], files[case.pk])
        for case in cases
    }


def _rows_of_case(
    case: Case, timeline: list[CaseEvent], procedures: list[SpecialProcedure], files: list[CaseFile]
) -> list[Row]:
    group = case_group(case.pk)
    org = case.organisation
    base = {"project_no": case.number}
    rows: list[Row] = []

    def add(kind: str, suffix: str, at: datetime | None, fields: dict[str, Any]) -> None:
        rows.append(Row(kind, f"{group}:{suffix}", group, case.organisation_id, at or timezone.now(), fields))

    if not case.accepted_at:
        return rows  # the tables start at 受理: a 过程 row without its 受理 row is refused
    immediate = case.version.is_immediate
    add(
        Kind.ACCEPT,
        "accept",
        case.accepted_at,
        {
            **base,
            "task_code": case.item.impl_code,
            "task_handle_item": case.item.handle_code,
            "catalog_code": case.item.basic_code,
            "local_task_code": case.item.impl_code,
            "task_name": case.version.name,
            "task_version": case.version.number,
            "project_name": f"{case.applicant_name}申请{case.version.name}"[:1000],
            "project_type": CODES["project_type"]["immediate" if immediate else "promised"],
            "apply_type": CODES["apply_type"].get(case.channel, "2"),
            "applyer_name": case.applicant_name,
            "applyer_type": CODES["applyer_type"][case.applicant_kind],
            "applyer_page_type": CODES["applyer_page_type"][case.applicant_kind],
            "applyer_page_code": case.id_number or case.uscc,
            "contact_name": case.applicant_name,
            "contact_mobile": case.phone,
            "address": case.address,
            "legal": case.legal_representative,
            "org_name": org.name,
            "org_code": org.uscc or org.code,
            "handle_user_name": _by(timeline, "accept", first=True),
            "apply_date": when(case.submitted_at),
            "accept_date": when(case.accepted_at),
            "accept_doc_no": case.number,
            "promise_date": when(case.promised_due),
        },
    )
    previous = case.submitted_at
    for entry in timeline:
        add(
            Kind.PROCESS,
            f"event:{entry.pk}",
            entry.at,
            {
                **base,
                "process_name": entry.label,
                "event_name": CODES["event_name"].get(entry.action, "99"),
                "event_start_time": when(previous),
                "event_end_time": when(entry.at),
                "handle_user_name": entry.by.full_name if entry.by else "申请人",
                "handle_explain": entry.note or entry.label,
            },
        )
        previous = entry.at
    for procedure in procedures:
        assert procedure.ended_on is not None
        add(
            Kind.SPECIAL,
            f"special:{procedure.pk}",
            timezone.make_aware(datetime.combine(procedure.ended_on, datetime.min.time())),
            {
                **base,
                "special_type": CODES["special_type"]["default"],
                "special_name": "特别程序",
                "special_reason": procedure.reason,
                "special_time": when(procedure.started_on),
                "end_time": when(procedure.ended_on),
                "result": f"占用{procedure.workdays}个工作日",
                "applyer_user_name": case.applicant_name,
            },
        )
    for file in files:
        add(
            Kind.MATERIAL,
            f"file:{file.pk}",
            file.uploaded_at,
            {
                **base,
                "material_name": file.material,
                "material_attach_name": file.name,
                "get_type": "2",  # 电子
                "get_name": "1",
            },
        )
    if case.concluded_at and case.result:
        evaluation: Evaluation | None = getattr(case, "evaluation", None)
        add(
            Kind.RESULT,
            "result",
            case.concluded_at,
            {
                **base,
                "result_type": CODES["result_type"].get(case.result, "9"),
                "result_date": when(case.concluded_at),
                "result_explain": case.result_reason or case.get_result_display(),
                "result_cetr_name": case.version.name if case.certificate_no else "",
                "result_cetr_no": case.certificate_no,
                "is_delivery_results": CODES["is_delivery_results"].get(case.delivery_method, "0"),
                "satisfaction": SATISFACTION.get(evaluation.level, "") if evaluation else "",
                "handle_user_name": _by(timeline, "conclude", first=False),
            },
        )
    if evaluation_row := _evaluation_row(case, group):
        rows.append(evaluation_row)
    return rows


def _by(timeline: list[CaseEvent], action: str, *, first: bool) -> str:
    """Who took the timeline's first (or last) step of this action."""
    entries = [entry for entry in timeline if entry.action == action]
    if not entries:
        return ""
    entry = entries[0] if first else entries[-1]
    return entry.by.full_name if entry.by else ""


def _evaluation_row(case: Case, group: str) -> Row | None:
    evaluation: Evaluation | None = getattr(case, "evaluation", None)
    if evaluation is None:
        return None
    org = case.organisation
    return Row(
        Kind.EVALUATION,
        f"{group}:evaluation",
        group,
        case.organisation_id,
        evaluation.at,
        {
            "project_no": case.number,
            "task_code": case.item.impl_code,
            "task_name": case.version.name,
            "org_code": org.uscc or org.code,
            "org_name": org.name,
            "evaluate_level": str(evaluation.level),
            "evaluate_level_name": evaluation.get_level_display(),
            "evaluate_channel": evaluation.channel,
            "evaluate_time": when(evaluation.at),
            "evaluate_indicators": ",".join(f"{k}:{v}" for k, v in sorted(evaluation.indicators.items())),
            "evaluate_content": evaluation.comment,
        },
    )


def item_group(impl_code: str) -> str:
    return f"item:{impl_code}"


def rows_of_item(impl_code: str) -> list[Row]:
    """An item's 基本目录 row, its current version's: a new version is an update under the same row."""
    item = ServiceItem.objects.select_related("current", "organisation").filter(impl_code=impl_code).first()
    if item is None or item.current is None:
        return []
    version = item.current
    group = item_group(item.impl_code)
    retired = item.retired_at is not None
    changed = item.retired_at if retired else (version.published_at or item.created_at)
    basis = "；".join(
        f"{entry.get('law', '')}{entry.get('article', '')}" for entry in version.legal_basis if entry
    )
    return [
        Row(
            Kind.TASK,
            group,
            group,
            item.organisation_id,
            changed or timezone.now(),
            {
                "catalog_code": item.basic_code[:12],
                "local_catalog_code": item.basic_code,
                "task_name": version.name,
                "task_type": version.item_type,
                "task_state": CODES["task_state"]["retired" if retired else "live"],
                "task_version": version.number,
                "use_level": version.level,
                "by_law": basis or "无",
                "plan_effective_date": when(version.published_at),
                "plan_cancel_date": when(item.retired_at),
            },
        )
    ]


def certificate_group(certificate_id: int) -> str:
    return f"certificate:{certificate_id}"


GONE = (CertificateState.WITHDRAWN, CertificateState.CANCELLED, CertificateState.REVOKED)


def rows_of_certificate(certificate_id: int) -> list[Row]:
    """A certificate's 证照目录 row (up_lic_data); withdrawn, cancelled or revoked, it is deleted from
    the catalogue (the table has no state column)."""
    certificate = Certificate.objects.select_related("type").filter(pk=certificate_id).first()
    if certificate is None or certificate.state in GONE:
        return []
    group = certificate_group(certificate.pk)
    return [
        Row(
            Kind.LICENCE,
            group,
            group,
            certificate.issuer_id,
            certificate.state_changed_at
            or timezone.make_aware(datetime.combine(certificate.issued_on, datetime.min.time())),
            {
                "certificate_source_id": certificate.identifier,
                "certificate_name": certificate.name,
                "certificate_number": certificate.number,
                "certificate_type": certificate.type.name,
                "certificate_type_code": certificate.type.code,
                "certificate_holder": certificate.holder_name,
                "certificate_holder_code": certificate.holder_code,
                "certificate_holder_type": certificate.holder_code_type,
                "certificate_area_code": certificate.area_code,
                "issue_dept": certificate.issuer_name,
                "issue_dept_code": certificate.issuer_code,
                "issue_date": certificate.issued_on.isoformat(),
            },
        )
    ]


CHUNK = 500  # cases read together


def groups_of_day(day: date) -> Iterable[tuple[str, list[Row]]]:
    """Every source object that changed on `day` and its rows, for the daily reconciliation."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=1)
    cases = (
        Case.objects.filter(events__at__gte=start, events__at__lt=end).values_list("pk", flat=True).distinct()
    )
    ids = list(cases)
    for begin in range(0, len(ids), CHUNK):
        for case_id, rows in rows_of_cases(ids[begin : begin + CHUNK]).items():
            yield case_group(case_id), rows
    items = ServiceItem.objects.filter(current__published_at__gte=start, current__published_at__lt=end)
    for impl_code in items.values_list("impl_code", flat=True):
        yield item_group(impl_code), rows_of_item(impl_code)
    certificates = Certificate.objects.filter(issued_on=day).values_list("pk", flat=True)
    for certificate_id in certificates.iterator():
        yield certificate_group(certificate_id), rows_of_certificate(certificate_id)
