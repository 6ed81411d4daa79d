"""The records behind a figure of the report, so an officer can check any cell by hand.

Each cell's records are selected by the same conditions that count it (counts.py, and publishing's own
rules for 规章 and 行政规范性文件), so a list always has as many rows as its cell says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from yimen.cases.models import Case
from yimen.catalog.models import FormFile, ItemType, Material, VersionState
from yimen.disclosure.models import (
    Appeal,
    AppealKind,
    AppealResult,
    ApplicantType,
    DisclosureRequest,
    FeeNotice,
    Outcome,
)
from yimen.org.models import Organisation, Staff
from yimen.publishing.queries import COUNTED_KINDS, annual_count_records
from yimen.reports import counts, service_figures
from yimen.reports.models import EnforcementKind
from yimen.reports.scope import Year, hall, organisations


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class RecordList:
    title: str
    records: QuerySet[Any]
    columns: tuple[Column, ...]

    def rows(self, page: Any, link: Callable[[Any], str]) -> list[tuple[list[str], str]]:
        """Each record's cells and its page, which `link` gives ("" for a record without one): the web
        layer that shows the list knows where a record is shown."""
        return [([_text(c.value(obj)) for c in self.columns], link(obj)) for obj in page]


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return str(value)


REQUEST_COLUMNS = (
    Column("申请编号", lambda r: r.number),
    Column("申请人类型", lambda r: r.get_applicant_type_display()),
    Column("收到申请之日", lambda r: r.received_on),
    Column("答复期限", lambda r: r.due_on),
    Column("办结日期", lambda r: r.closed_on),
    Column("办理结果", lambda r: r.get_outcome_display()),
)
APPEAL_COLUMNS = (
    Column("类别", lambda a: a.get_kind_display()),
    Column("申请或起诉日期", lambda a: a.filed_on),
    Column("复议机关或法院", lambda a: a.body),
    Column("结果", lambda a: a.get_result_display()),
    Column("决定或判决日期", lambda a: a.decided_on),
    Column("所涉申请", lambda a: a.request.number),
)
PUBLICATION_COLUMNS = (
    Column("索引号", lambda p: p.index_number),
    Column("标题", lambda p: p.title),
    Column("文号", lambda p: p.document_number),
    Column("成文日期", lambda p: p.written_on),
    Column("废止日期", lambda p: p.repealed_on),
    Column("失效日期", lambda p: p.expired_on),
)
CASE_COLUMNS = (
    Column("办件编号", lambda c: c.number),
    Column("事项", lambda c: c.version.name),
    Column("受理时间", lambda c: c.accepted_at),
    Column("办结时间", lambda c: c.concluded_at),
    Column("办结结果", lambda c: c.get_result_display()),
)
ENFORCEMENT_COLUMNS = (
    Column("类别", lambda e: e.get_kind_display()),
    Column("决定或收费日期", lambda e: e.decided_on),
    Column("文书编号", lambda e: e.reference),
    Column("金额（元）", lambda e: e.amount),
    Column("说明", lambda e: e.note),
)


def requests_list(title: str, records: QuerySet[DisclosureRequest]) -> RecordList:
    return RecordList(title, records.order_by("received_on", "pk"), REQUEST_COLUMNS)


def _request_cell(scope: list[int], y: Year, row: str, column: str) -> QuerySet[DisclosureRequest]:
    found = counts.requests_in(scope)
    rows = counts.request_row_filters(y)
    if row in rows:
        found = found.filter(rows[row])
    elif row == "r_total":
        found = found.filter(counts.closed_in(y), outcome__in=Outcome.values)
    else:
        found = found.filter(counts.closed_in(y), outcome=row)
    types = {str(label): value for value, label in ApplicantType.choices}
    return found.filter(applicant_type=types[column]) if column in types else found


def _appeal_cell(scope: list[int], y: Year, caption: str, column: str) -> QuerySet[Appeal]:
    kinds = {str(label): value for value, label in AppealKind.choices}
    results = {str(label): value for value, label in AppealResult.choices}
    found = counts.appeals_in(scope, y).filter(kind=kinds.get(caption, caption)).select_related("request")
    if column in results:
        return found.filter(counts.decided_by(y), result=results[column])
    if column == "尚未审结":
        return found.exclude(counts.decided_by(y))
    return found


def cell_records(
    org: Organisation, year: int, table: str, row: str, column: str, caption: str = ""
) -> RecordList:
    """The records a table cell counts; KeyError for a cell that does not exist."""
    y, scope = Year(year), organisations(org)
    title = f"{year}年 · {caption + ' · ' if caption and table != 'requests' else ''}{row} · {column}"
    if table == "requests":
        return requests_list(title, _request_cell(scope, y, row, column))
    if table == "appeals":
        return RecordList(
            title, _appeal_cell(scope, y, caption, column).order_by("filed_on", "pk"), APPEAL_COLUMNS
        )
    if table == "proactive":
        if row in COUNTED_KINDS:
            return RecordList(
                f"{year}年 · {row} · {column}",
                annual_count_records(scope, year, COUNTED_KINDS[row], column).order_by("written_on", "pk"),
                PUBLICATION_COLUMNS,
            )
        if row == ItemType.LICENSING.label:
            cases = (
                counts.licensing_decisions(scope, y).select_related("version").order_by("concluded_at", "pk")
            )
            return RecordList(f"{year}年 · {row} · {column}", cases, CASE_COLUMNS)
        kind = {str(label): value for value, label in EnforcementKind.choices}[row]
        records = counts.enforcement_in(scope, y, kind).order_by("decided_on", "pk")
        return RecordList(f"{year}年 · {row} · {column}", records, ENFORCEMENT_COLUMNS)
    raise KeyError(table)


# --- the seed-era figures -----------------------------------------------------------------------------


def figure_records(org: Organisation, year: int, key: str) -> RecordList | None:
    """The records behind a figure of the seed-era report; None for a rate or a fact that is no list."""
    y, own, seated = Year(year), organisations(org), hall(org)
    label = f"{year}年 · "
    if key == "published":
        pubs = service_figures.publications_in(own, y).order_by("published_at", "pk")
        return RecordList(label + "公开发布信息", pubs, PUBLICATION_COLUMNS)
    if key in ("items", "licensing"):
        items = service_figures.items_in_force(seated, y).select_related("current", "organisation")
        if key == "licensing":
            items = items.filter(current__item_type=ItemType.LICENSING)
        columns = (
            Column("实施编码", lambda i: i.impl_code),
            Column("事项名称", lambda i: i.current.name if i.current else ""),
            Column("实施主体", lambda i: i.organisation.name),
        )
        return RecordList(label + "事项", items.order_by("impl_code"), columns)
    if key == "forms":
        materials = Material.objects.filter(
            version__item__in=service_figures.items_in_force(seated, y).values("pk"),
            version__state=VersionState.PUBLISHED,
        )
        ids = materials.values("blank_form_id").union(materials.values("sample_id"))
        forms = FormFile.objects.filter(pk__in=ids).order_by("name")
        return RecordList(
            label + "申请表格",
            forms,
            (Column("文件名", lambda f: f.name), Column("大小（字节）", lambda f: f.size)),
        )
    if key == "units":
        units = (
            Organisation.objects.filter(pk__in=seated, windows__is_active=True).distinct().order_by("code")
        )
        return RecordList(
            label + "进驻窗口单位",
            units,
            (Column("机构代码", lambda o: o.code), Column("名称", lambda o: o.name)),
        )
    if key == "staff":
        staff = (
            Staff.objects.filter(is_active=True, window__organisations__in=seated)
            .distinct()
            .select_related("window")
        )
        staff_columns = (Column("姓名", lambda s: s.full_name), Column("窗口", lambda s: s.window))
        return RecordList(label + "窗口前台工作人员", staff.order_by("username"), staff_columns)
    if key == "accepted":
        cases = Case.objects.filter(
            organisation_id__in=seated, accepted_at__gte=y.starts, accepted_at__lt=y.ends
        ).select_related("version")
        return RecordList(label + "窗口受理办件", cases.order_by("accepted_at", "pk"), CASE_COLUMNS)
    if key == "received":
        return requests_list(
            label + "收到的申请", counts.requests_in(own).filter(counts.request_row_filters(y)["new"])
        )
    if key in ("on_time", "refused"):
        decided = counts.requests_in(own).filter(counts.closed_in(y))
        if key == "refused":
            return requests_list(label + "不予公开", decided.filter(outcome__startswith="r3"))
        return requests_list(label + "按期答复", decided.filter(closed_on__lte=F("due_on")))
    if key in ("paid", "amount"):
        fees = FeeNotice.objects.filter(
            request__organisation_id__in=own, paid_on__gte=y.first, paid_on__lte=y.last
        ).select_related("request")
        columns = (
            Column("申请编号", lambda f: f.request.number),
            Column("金额（元）", lambda f: f.amount),
            Column("缴费日期", lambda f: f.paid_on),
        )
        return RecordList(label + "收取的费用", fees.order_by("paid_on", "pk"), columns)
    if key in ("reconsiderations", "litigations"):
        appeals = counts.appeals_in(own, y).select_related("request")
        appeals = (
            appeals.filter(kind=AppealKind.RECONSIDERATION)
            if key == "reconsiderations"
            else appeals.exclude(kind=AppealKind.RECONSIDERATION)
        )
        return RecordList(label + "行政复议、行政诉讼", appeals.order_by("filed_on", "pk"), APPEAL_COLUMNS)
    return None


def suspects(org: Organisation, year: int) -> RecordList:
    """The requests that break table 三's consistency rules."""
    y, scope = Year(year), organisations(org)
    strangers = counts.requests_in(scope).exclude(applicant_type__in=ApplicantType.values)
    return requests_list(f"{year}年 · 勾稽关系不成立的申请", counts.suspect_requests(scope, y) | strangers)
