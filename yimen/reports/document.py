"""The built annual report as a typed value, and its JSON form.

The JSON's keys are the statutory template's section names and row and column labels (2021 format), or the
seed's part headings (the 2008-era format); `from_json` reads it back, so a published report is shown from
the figures frozen at publication, never recounted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from yimen.org.models import Organisation
from yimen.reports.models import ReportFormat
from yimen.reports.template import TableSpec, template

Number = int | Decimal

# Keys of the JSON besides the sections.
TITLE, ORGANISATION, CODE, YEAR, FORMAT, CHECKS, FIGURES, TEXT = (
    "标题",
    "机构",
    "机构代码",
    "年度",
    "格式",
    "勾稽关系检查",
    "数据",
    "文字",
)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    group: str
    values: tuple[Number, ...]


@dataclass(frozen=True)
class Block:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Table:
    spec: TableSpec
    blocks: tuple[Block, ...]

    def value(self, row_key: str, column: str, caption: str = "") -> Number:
        for block in self.blocks:
            if caption and block.caption != caption:
                continue
            for row in block.rows:
                if row.key == row_key and column in block.columns:
                    return row.values[block.columns.index(column)]
        raise KeyError((row_key, column, caption))


@dataclass(frozen=True)
class Figure:
    """One figure a seed-era part states, e.g. 进驻窗口单位（个） 66."""

    key: str
    label: str  # with its unit: 窗口即办件率（%）
    value: Number | str


@dataclass(frozen=True)
class Section:
    title: str
    text: str = ""
    table: Table | None = None
    figures: tuple[Figure, ...] = ()
    editable: bool = False


@dataclass(frozen=True)
class BrokenCheck:
    """A consistency rule of table 三 that the counted figures break, with the requests behind it."""

    rule: str
    column: str
    left: int
    right: int
    requests: tuple[tuple[int, str], ...] = ()  # (id, 申请编号)


@dataclass(frozen=True)
class AnnualReportData:
    organisation_code: str
    organisation_name: str
    year: int
    format: str
    title: str
    sections: tuple[Section, ...]
    checks: tuple[BrokenCheck, ...] = field(default=())

    def section(self, title: str) -> Section:
        return next(s for s in self.sections if s.title == title)

    @property
    def table_sections(self) -> list[Section]:
        return [s for s in self.sections if s.table is not None]

    def table(self, key: str) -> Table:
        return next(s.table for s in self.sections if s.table is not None and s.table.spec.key == key)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            TITLE: self.title,
            ORGANISATION: self.organisation_name,
            CODE: self.organisation_code,
            YEAR: self.year,
            FORMAT: self.format,
        }
        for s in self.sections:
            if s.table is not None:
                data[s.title] = _table_json(s.table)
            elif s.figures:
                data[s.title] = {TEXT: s.text, FIGURES: {f.label: _plain(f.value) for f in s.figures}}
            else:
                data[s.title] = s.text
        data[CHECKS] = [
            {
                "规则": c.rule,
                "列": c.column,
                "左边": c.left,
                "右边": c.right,
                "申请": [n for _, n in c.requests],
            }
            for c in self.checks
        ]
        return data


def report_format(year: int) -> str:
    """条例 and format by year: the 2021 format from its first year, the seed's structure before."""
    return ReportFormat.FORMAT_2021 if year >= template().first_year else ReportFormat.LEGACY


def report_title(org: Organisation, year: int) -> str:
    if report_format(year) == ReportFormat.FORMAT_2021:
        return f"{org.name}{year}年政府信息公开工作年度报告"
    return f"{org.name}{year}年度政府信息公开工作报告"


def _plain(value: Number | str) -> int | float | str:
    return float(value) if isinstance(value, Decimal) else value


def _number(value: Any) -> Number:
    if isinstance(value, float | str):
        return Decimal(str(value))
    return int(value)


# --- Table ⇄ JSON ------------------------------------------------------------------------------------
# 二: {第二十条第（一）项: {规章: {本年制发件数: n, …}, …}, …}
# 三: {一、本年新收…: {自然人: n, …}, 三、本年度办理结果: {（一）予以公开: {…}, （三）不予公开: {1.属于国家秘密: {…}}}, …}
# 四: {行政复议: {结果维持: n, …, 总计: n}, …}


def _outcome_group(spec: TableSpec) -> str:
    """The heading the outcome rows hang under (三、本年度办理结果): the group of the first grouped row."""
    return next(row.group for row in spec.blocks[0].rows if row.group)


def _table_json(table: Table) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if table.spec.key == "requests":
        block = table.blocks[0]
        top = _outcome_group(table.spec)
        for row in block.rows:
            cells = {c: _plain(v) for c, v in zip(block.columns, row.values, strict=True)}
            if not row.group:
                out[row.label] = cells
            elif row.group == top:
                out.setdefault(top, {})[row.label] = cells
            else:
                out.setdefault(top, {}).setdefault(row.group, {})[row.label] = cells
        return out
    for block in table.blocks:
        if table.spec.key == "appeals":
            out[block.caption] = {
                c: _plain(v) for c, v in zip(block.columns, block.rows[0].values, strict=True)
            }
        else:
            out[block.caption] = {
                row.label: {c: _plain(v) for c, v in zip(block.columns, row.values, strict=True)}
                for row in block.rows
            }
    return out


def _table_from_json(spec: TableSpec, data: dict[str, Any]) -> Table:
    blocks = []
    for block in spec.blocks:
        rows = []
        for row in block.rows:
            if spec.key == "appeals":
                cells = data[block.caption]
            elif spec.key == "proactive":
                cells = data[block.caption][row.label]
            elif not row.group:
                cells = data[row.label]
            elif row.group == _outcome_group(spec):
                cells = data[row.group][row.label]
            else:
                cells = data[_outcome_group(spec)][row.group][row.label]
            values = tuple(_number(cells[c]) for c in block.columns)
            rows.append(Row(key=row.key, label=row.label, group=row.group, values=values))
        blocks.append(Block(caption=block.caption, columns=block.columns, rows=tuple(rows)))
    return Table(spec=spec, blocks=tuple(blocks))


def from_json(data: dict[str, Any], *, editable: frozenset[str] = frozenset()) -> AnnualReportData:
    """The report a JSON export or a publication's frozen figures describe."""
    from yimen.reports.legacy import HEADINGS, figure_keys

    sections: list[Section] = []
    if data[FORMAT] == ReportFormat.FORMAT_2021:
        t = template()
        for title in t.sections:
            spec = t.table_for(title)
            if spec is not None:
                sections.append(Section(title=title, table=_table_from_json(spec, data[title])))
            else:
                sections.append(Section(title=title, text=data.get(title, ""), editable=title in editable))
    else:
        keys = figure_keys()
        for title in HEADINGS:
            part = data.get(title, "")
            if isinstance(part, str):  # a part with no figures is its text
                part = {TEXT: part}
            figures = tuple(
                Figure(key=keys.get(label, label), label=label, value=value)
                for label, value in part.get(FIGURES, {}).items()
            )
            sections.append(
                Section(title=title, text=part.get(TEXT, ""), figures=figures, editable=title in editable)
            )
    checks = tuple(
        BrokenCheck(
            rule=c["规则"],
            column=c["列"],
            left=c["左边"],
            right=c["右边"],
            requests=tuple((0, n) for n in c["申请"]),
        )
        for c in data.get(CHECKS, [])
    )
    return AnnualReportData(
        organisation_code=data[CODE],
        organisation_name=data[ORGANISATION],
        year=int(data[YEAR]),
        format=data[FORMAT],
        title=data[TITLE],
        sections=tuple(sections),
        checks=checks,
    )
