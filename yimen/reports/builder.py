"""`build_annual_report(org, year)`: the statutory annual report computed from Yimen's records.

Years from 2021 follow the 2021 format (国办公开办函〔2021〕30号): six sections, tables 二, 三 and 四 counted
by the database, sections 一, 五 and 六 pre-filled with sentences that quote the figures (the officer edits
them). Earlier years follow the seed's eight-part structure of the 2008 regulation (`legacy.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from yimen.catalog.models import ItemType
from yimen.disclosure.models import AppealKind, AppealResult, ApplicantType, Outcome
from yimen.org.models import Organisation
from yimen.reports import counts, narrative
from yimen.reports.document import (
    AnnualReportData,
    Block,
    BrokenCheck,
    Number,
    Row,
    Section,
    Table,
    report_format,
    report_title,
)
from yimen.reports.models import EnforcementKind, ReportFormat
from yimen.reports.scope import Year, organisations
from yimen.reports.template import TableSpec, template

# The rules of table 三 as the office states them when one is broken.
ROW_RULE = "一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理"
TOTAL_RULE = "总计 = 自然人 + 法人或其他组织各列"


def build_annual_report(
    org: Organisation, year: int, *, narrative_texts: Mapping[str, str] | None = None
) -> AnnualReportData:
    """The report of `org` for `year`; `narrative_texts` ({section title: text}) replaces the pre-filled
    wording of the sections the officer edits."""
    if report_format(year) == ReportFormat.LEGACY:
        from yimen.reports.legacy import build_legacy_report

        return build_legacy_report(org, year, narrative_texts=narrative_texts)
    y = Year(year)
    scope = organisations(org)
    t = template()
    requests, checks = requests_table(scope, y)
    tables = {
        t.proactive.section: proactive_table(org, scope, y),
        t.requests.section: requests,
        t.appeals.section: appeals_table(scope, y),
    }
    texts = dict(narrative.prefilled_2021(org, y, scope, tables))
    texts.update({k: v for k, v in (narrative_texts or {}).items() if k in texts})
    sections = tuple(
        Section(title=title, table=tables[title])
        if title in tables
        else Section(title=title, text=texts.get(title, ""), editable=True)
        for title in t.sections
    )
    return AnnualReportData(
        organisation_code=org.code,
        organisation_name=org.name,
        year=year,
        format=ReportFormat.FORMAT_2021,
        title=report_title(org, year),
        sections=sections,
        checks=checks,
    )


# --- 二 -----------------------------------------------------------------------------------------------


def regulation_counts(scope: list[int], year: int) -> dict[str, dict[str, int]]:
    """规章 and 行政规范性文件 (第二十条第（一）项), as publishing counts them, summed over the scope."""
    from yimen.publishing.queries import annual_counts

    total: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for org in Organisation.objects.filter(pk__in=scope).order_by("pk"):
        for kind, columns in annual_counts(org, year).items():
            for column, value in columns.items():
                total[kind][column] += value
    return total


def proactive_table(org: Organisation, scope: list[int], y: Year) -> Table:
    spec = template().proactive
    enforcement = counts.enforcement_figures(scope, y)
    single: dict[str, Number] = {str(ItemType.LICENSING.label): counts.licensing_decisions(scope, y).count()}
    single |= {str(EnforcementKind(kind).label): value for kind, value in enforcement.items()}
    by_kind = regulation_counts(scope, y.year)
    blocks = []
    for block in spec.blocks:
        rows = []
        for row in block.rows:
            if row.label in single:
                values: tuple[Number, ...] = (single[row.label],)
            else:
                values = tuple(by_kind.get(row.label, {}).get(column, 0) for column in block.columns)
            rows.append(Row(key=row.key, label=row.label, group=row.group, values=values))
        blocks.append(Block(caption=block.caption, columns=block.columns, rows=tuple(rows)))
    return Table(spec=spec, blocks=tuple(blocks))


# --- 三 -----------------------------------------------------------------------------------------------


def applicant_types(spec: TableSpec) -> dict[str, str]:
    """{column label: ApplicantType value} for the applicant columns (all but 总计)."""
    by_label = {str(label): value for value, label in ApplicantType.choices}
    return {column: by_label[column] for column in spec.blocks[0].columns if column in by_label}


def requests_table(scope: list[int], y: Year) -> tuple[Table, tuple[BrokenCheck, ...]]:
    spec = template().requests
    block = spec.blocks[0]
    columns = applicant_types(spec)
    totals: dict[tuple[str, str], int] = defaultdict(int)  # (row key, applicant type or "") → count
    for found in counts.request_cells(scope, y):
        kind, outcome = found["applicant_type"], found["outcome"]
        for key in ("new", "carried_in", "carried_out"):
            totals[(key, kind)] += found[key]
            totals[(key, "")] += found[key]
        if outcome in Outcome.values:
            totals[(outcome, kind)] += found["decided"]
            totals[(outcome, "")] += found["decided"]
    for kind in ["", *columns.values()]:
        totals[("r_total", kind)] = sum(totals[(value, kind)] for value in Outcome.values)
    rows = tuple(
        Row(
            key=row.key,
            label=row.label,
            group=row.group,
            values=tuple(totals[(row.key, columns.get(column, ""))] for column in block.columns),
        )
        for row in block.rows
    )
    table = Table(spec=spec, blocks=(Block(caption=block.caption, columns=block.columns, rows=rows),))
    return table, _broken(table, scope, y, columns)


def _broken(table: Table, scope: list[int], y: Year, columns: dict[str, str]) -> tuple[BrokenCheck, ...]:
    """The consistency rules of the reference file that the figures break, each with its requests."""
    block = table.blocks[0]
    found: list[BrokenCheck] = []
    suspects = counts.suspect_requests(scope, y)
    for column in block.columns:
        left = int(table.value("new", column)) + int(table.value("carried_in", column))
        right = int(table.value("r_total", column)) + int(table.value("carried_out", column))
        if left != right:
            behind = suspects if column not in columns else suspects.filter(applicant_type=columns[column])
            found.append(
                BrokenCheck(ROW_RULE, column, left, right, tuple(behind.values_list("pk", "number")))
            )
    strangers = counts.requests_in(scope).exclude(applicant_type__in=list(columns.values()))
    for row in block.rows:
        whole = int(row.values[-1])
        parts = sum(int(v) for v in row.values[:-1])
        if whole != parts:
            found.append(
                BrokenCheck(TOTAL_RULE, row.label, whole, parts, tuple(strangers.values_list("pk", "number")))
            )
    return tuple(found)


# --- 四 -----------------------------------------------------------------------------------------------


def appeals_table(scope: list[int], y: Year) -> Table:
    """Each group's columns: the three results by their labels, then 尚未审结 and 总计 (the last two)."""
    spec = template().appeals
    cells = counts.appeal_cells(scope, y)
    kinds = {str(label): value for value, label in AppealKind.choices}
    results = {str(label): value for value, label in AppealResult.choices}
    blocks = []
    for block in spec.blocks:
        found = cells.get(kinds[block.caption], {})
        keys = [results.get(c) for c in block.columns[:-2]] + ["pending", "total"]
        values = tuple(int(found.get(key, 0)) if key else 0 for key in keys)
        row = block.rows[0]
        blocks.append(
            Block(block.caption, block.columns, (Row(key=row.key, label=row.label, group="", values=values),))
        )
    return Table(spec=spec, blocks=tuple(blocks))
