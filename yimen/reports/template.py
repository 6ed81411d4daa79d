"""The statutory template of the annual report (国办公开办函〔2021〕30号), read from the reference file.

Every section name, row and column label the report prints comes from `annual_report_2021.json` (kept in
the disclosure app, whose outcomes are table 三's row keys); nothing here retypes a label.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yimen.disclosure

TEMPLATE_PATH = Path(yimen.disclosure.__file__).resolve().parent / "annual_report_2021.json"


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    group: str = ""


@dataclass(frozen=True)
class BlockSpec:
    """A captioned part of a table: table 二's four 第二十条 groups, table 四's three appeal groups."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[RowSpec, ...]


@dataclass(frozen=True)
class TableSpec:
    key: str  # "proactive", "requests", "appeals"
    section: str
    blocks: tuple[BlockSpec, ...]
    note: str = ""
    column_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Template:
    format: str
    first_year: int
    sections: tuple[str, ...]
    overview_subsections: tuple[str, ...]
    proactive: TableSpec
    requests: TableSpec
    appeals: TableSpec

    @property
    def tables(self) -> tuple[TableSpec, ...]:
        return (self.proactive, self.requests, self.appeals)

    def table_for(self, section: str) -> TableSpec | None:
        return next((t for t in self.tables if t.section == section), None)

    def section(self, number: int) -> str:
        """The heading of section 一 … 六 by its position (1-based)."""
        return self.sections[number - 1]


def _proactive(raw: dict[str, Any]) -> TableSpec:
    blocks = tuple(
        BlockSpec(
            caption=group["caption"],
            columns=tuple(group["columns"]),
            rows=tuple(RowSpec(key=label, label=label) for label in group["rows"]),
        )
        for group in raw["groups"]
    )
    return TableSpec(key="proactive", section=raw["section"], blocks=blocks)


def _requests(raw: dict[str, Any]) -> TableSpec:
    rows = tuple(RowSpec(key=r["key"], label=r["label"], group=r.get("group", "")) for r in raw["rows"])
    groups = tuple((caption, tuple(columns)) for caption, columns in raw["column_groups"].items())
    return TableSpec(
        key="requests",
        section=raw["section"],
        blocks=(BlockSpec(caption="申请人情况", columns=tuple(raw["columns"]), rows=rows),),
        note=raw["note"],
        column_groups=groups,
    )


def _appeals(raw: dict[str, Any]) -> TableSpec:
    blocks = tuple(
        BlockSpec(
            caption=group["caption"],
            columns=tuple(group["columns"]),
            rows=(RowSpec(key="appeals", label=group["caption"]),),
        )
        for group in raw["column_groups"]
    )
    return TableSpec(key="appeals", section=raw["section"], blocks=blocks)


@cache
def template() -> Template:
    raw = json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))
    tables = raw["tables"]
    return Template(
        format=raw["format"],
        first_year=raw["applies_to_years_from"],
        sections=tuple(raw["sections"]),
        overview_subsections=tuple(raw["overview_subsections"]),
        proactive=_proactive(tables["proactive"]),
        requests=_requests(tables["requests"]),
        appeals=_appeals(tables["appeals"]),
    )


def raw_template() -> dict[str, Any]:
    """The reference file as it is, for tests and the API's schema page."""
    data: dict[str, Any] = json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))
    return data
