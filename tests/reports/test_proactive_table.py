"""Table 二 (主动公开政府信息情况) against hand-counted publications, cases and enforcement records."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yimen.reports.builder import build_annual_report
from yimen.reports.template import template

pytestmark = pytest.mark.django_db


def cells(report) -> dict[tuple[str, str], object]:
    table = report.table("proactive")
    return {
        (row.label, column): value
        for block in table.blocks
        for row in block.rows
        for column, value in zip(block.columns, row.values, strict=True)
    }


def test_rows_and_columns_are_the_templates_groups(cast) -> None:
    table = build_annual_report(cast.market, 2023).table("proactive")
    spec = template().proactive
    assert (
        [b.caption for b in table.blocks]
        == [b.caption for b in spec.blocks]
        == [
            "第二十条第（一）项",
            "第二十条第（五）项",
            "第二十条第（六）项",
            "第二十条第（八）项",
        ]
    )
    assert [[r.label for r in b.rows] for b in table.blocks] == [
        ["规章", "行政规范性文件"],
        ["行政许可"],
        ["行政处罚", "行政强制"],
        ["行政事业性收费"],
    ]


def test_regulations_and_normative_documents_by_their_dates(documents, cast) -> None:
    found = cells(build_annual_report(cast.market, 2023))
    assert [found[("规章", c)] for c in ("本年制发件数", "本年废止件数", "现行有效件数")] == [1, 0, 1]
    assert [found[("行政规范性文件", c)] for c in ("本年制发件数", "本年废止件数", "现行有效件数")] == [
        1,
        1,
        3,
    ]


def test_a_normative_document_abolished_later_was_in_force_in_its_first_year(documents, cast) -> None:
    """The 2021 document, abolished on 2023-06-30, is 制发 and 现行有效 in 2021 and 废止 only in 2023."""
    found = cells(build_annual_report(cast.market, 2021))
    assert [found[("行政规范性文件", c)] for c in ("本年制发件数", "本年废止件数", "现行有效件数")] == [
        1,
        0,
        2,
    ]


def test_licensing_decisions_are_the_years_issued_and_denied_licences(licensing, cast) -> None:
    assert cells(build_annual_report(cast.market, 2023))[("行政许可", "本年处理决定数量")] == 2
    assert cells(build_annual_report(cast.market, 2022))[("行政许可", "本年处理决定数量")] == 1
    assert cells(build_annual_report(cast.police, 2023))[("行政许可", "本年处理决定数量")] == 0


def test_penalties_coercion_and_fees_come_from_the_entered_records(enforcement, cast) -> None:
    found = cells(build_annual_report(cast.market, 2023))
    assert found[("行政处罚", "本年处理决定数量")] == 2
    assert found[("行政强制", "本年处理决定数量")] == 1
    assert found[("行政事业性收费", "本年收费金额（单位：万元）")] == Decimal("1.73")


def test_a_governments_report_sums_its_departments(documents, licensing, enforcement, cast) -> None:
    found = cells(build_annual_report(cast.government, 2023))
    assert found[("行政处罚", "本年处理决定数量")] == 3  # the police's penalty too
    assert found[("行政许可", "本年处理决定数量")] == 2
    assert found[("行政规范性文件", "现行有效件数")] == 3
