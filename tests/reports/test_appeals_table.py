"""Table 四 (行政复议、行政诉讼情况): appeals counted in the year filed, by their result as of 31 December."""

from __future__ import annotations

import pytest

from yimen.reports.builder import build_annual_report
from yimen.reports.template import template

pytestmark = pytest.mark.django_db

RESULTS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def groups(report) -> dict[str, list[int]]:
    table = report.table("appeals")
    return {block.caption: [int(v) for v in block.rows[0].values] for block in table.blocks}


def test_the_three_groups_have_the_templates_columns(appeals, cast) -> None:
    table = build_annual_report(cast.centre, 2023).table("appeals")
    assert [b.caption for b in table.blocks] == [b.caption for b in template().appeals.blocks]
    assert all(list(b.columns) == RESULTS for b in table.blocks)


def test_every_cell_of_2023_matches_the_hand_count(appeals, cast) -> None:
    assert groups(build_annual_report(cast.centre, 2023)) == {
        "行政复议": [1, 0, 0, 1, 2],
        "行政诉讼：未经复议直接起诉": [0, 0, 1, 0, 1],
        "行政诉讼：复议后起诉": [0, 0, 0, 1, 1],
    }


def test_an_appeal_decided_the_following_year_stays_pending_in_its_filing_year(appeals, cast) -> None:
    """Filed 2023-11-01, corrected 2024-01-20: 尚未审结 in 2023's table, and in no column of 2024's."""
    assert groups(build_annual_report(cast.centre, 2023))["行政复议"][3] == 1
    assert groups(build_annual_report(cast.centre, 2024))["行政复议"] == [0, 0, 0, 0, 0]
    # The appeal filed in 2022 and decided in 2023 is 2022's, pending then.
    assert groups(build_annual_report(cast.centre, 2022))["行政复议"] == [0, 0, 0, 1, 1]
