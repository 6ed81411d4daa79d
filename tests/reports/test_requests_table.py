"""Table 三 (收到和处理政府信息公开申请情况) against the hand-counted requests of tests/reports/conftest.py."""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports.conftest import make_request
from yimen.disclosure.models import ApplicantType, Outcome
from yimen.reports.builder import build_annual_report
from yimen.reports.template import template

pytestmark = pytest.mark.django_db

COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def row(report, key: str) -> list[int]:
    table = report.table("requests")
    return [int(table.value(key, column)) for column in COLUMNS]


def test_the_columns_and_rows_are_the_templates(requests, cast) -> None:
    table = build_annual_report(cast.centre, 2023).table("requests")
    spec = template().requests.blocks[0]
    assert list(table.blocks[0].columns) == list(spec.columns) == COLUMNS
    assert [r.label for r in table.blocks[0].rows] == [r.label for r in spec.rows]


def test_every_cell_of_2023_matches_the_hand_count(requests, cast) -> None:
    report = build_annual_report(cast.centre, 2023)
    assert row(report, "new") == [2, 3, 1, 0, 1, 1, 8]
    assert row(report, "carried_in") == [2, 0, 0, 0, 0, 0, 2]
    assert row(report, "r1") == [2, 0, 0, 0, 0, 0, 2]
    assert row(report, "r2") == [1, 0, 0, 0, 0, 0, 1]
    assert row(report, "r3_4") == [0, 1, 0, 0, 0, 0, 1]
    assert row(report, "r4_1") == [0, 0, 1, 0, 0, 0, 1]
    assert row(report, "r5_2") == [0, 0, 0, 0, 0, 1, 1]
    assert row(report, "r6_1") == [0, 0, 0, 0, 1, 0, 1]
    assert row(report, "r_total") == [3, 1, 1, 0, 1, 1, 7]
    assert row(report, "carried_out") == [1, 2, 0, 0, 0, 0, 3]
    untouched = {"r3_1", "r3_2", "r3_3", "r3_5", "r3_6", "r3_7", "r3_8", "r4_2", "r4_3"}
    untouched |= {"r5_1", "r5_3", "r5_4", "r5_5", "r6_2", "r6_3"}
    for key in untouched:
        assert row(report, key) == [0] * 7, key


def test_a_request_carried_across_two_year_ends_is_counted_in_each_year(requests, cast) -> None:
    """B: received 2022-12-28, decided 2024-01-05 — carried out of 2022, through 2023, into 2024."""
    assert row(build_annual_report(cast.centre, 2022), "carried_out") == [2, 0, 0, 0, 0, 0, 2]
    in_2024 = build_annual_report(cast.centre, 2024)
    # 2024: B (自然人) and E, L (商业企业) come in; B is 部分公开 and L 予以公开 in 2024; E and J stay open.
    assert row(in_2024, "carried_in") == [1, 2, 0, 0, 0, 0, 3]
    assert row(in_2024, "new") == [0, 0, 0, 1, 0, 0, 1]
    assert row(in_2024, "r2") == [1, 0, 0, 0, 0, 0, 1]
    assert row(in_2024, "r1") == [0, 1, 0, 0, 0, 0, 1]
    assert row(in_2024, "carried_out") == [0, 1, 0, 1, 0, 0, 2]


def test_every_invariant_of_the_reference_file_holds(requests, cast) -> None:
    for year in (2022, 2023, 2024):
        report = build_annual_report(cast.centre, year)
        table = report.table("requests")
        for column in COLUMNS:
            value = table.value
            assert value("new", column) + value("carried_in", column) == value("r_total", column) + value(
                "carried_out", column
            )
            outcomes = sum(value(key, column) for key in Outcome.values)
            assert value("r_total", column) == outcomes
        for r in table.blocks[0].rows:
            assert r.values[-1] == sum(r.values[:-1])
        assert report.checks == ()


def test_a_request_decided_without_an_outcome_breaks_its_column_and_is_named(requests, cast) -> None:
    make_request(cast.centre, "M", ApplicantType.RESEARCH, date(2023, 4, 1), date(2023, 4, 20), "")
    report = build_annual_report(cast.centre, 2023)
    broken = {check.column: check for check in report.checks}
    assert set(broken) == {"科研机构", "总计"}
    assert (broken["科研机构"].left, broken["科研机构"].right) == (2, 1)
    assert [number for _, number in broken["科研机构"].requests] == ["YSQ-M"]


def test_a_request_closed_before_it_was_received_is_named(requests, cast) -> None:
    make_request(
        cast.centre, "N", ApplicantType.NATURAL, date(2024, 2, 1), date(2023, 12, 30), Outcome.DISCLOSED
    )
    report = build_annual_report(cast.centre, 2023)
    natural = next(check for check in report.checks if check.column == "自然人")
    assert (natural.left, natural.right) == (4, 5)
    assert [number for _, number in natural.requests] == ["YSQ-N"]


def test_another_organisations_requests_are_not_counted(requests, cast) -> None:
    make_request(
        cast.police, "P", ApplicantType.NATURAL, date(2023, 4, 1), date(2023, 4, 20), Outcome.DISCLOSED
    )
    assert row(build_annual_report(cast.centre, 2023), "new")[-1] == 8
    assert row(build_annual_report(cast.police, 2023), "new")[-1] == 1


def test_a_governments_report_counts_its_departments(requests, cast) -> None:
    """条例第四十九条第二款: the government's report covers the government and its departments."""
    make_request(
        cast.police, "P", ApplicantType.NATURAL, date(2023, 4, 1), date(2023, 4, 20), Outcome.DISCLOSED
    )
    assert row(build_annual_report(cast.government, 2023), "new") == [3, 3, 1, 0, 1, 1, 9]
