"""Deadlines in working days from acceptance, across 国庆 and 春节 with 调休, half days and special procedures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.cases.conftest import local
from yimen.cases.deadlines import Pause, due

pytestmark = pytest.mark.django_db


def test_twenty_working_days_across_national_day_2024() -> None:
    """Accepted Friday 2024-09-27: 09-29 (Sunday, 调休) counts, 10-01..07 do not, due the end of 10-30."""
    assert due(local(2024, 9, 27, 10), Decimal(20), "workday").at == local(2024, 10, 30, 23, 59, 59)


def test_five_working_days_across_the_spring_festival_2025() -> None:
    """Accepted Friday 2025-01-24: 01-26 (Sunday, 调休) and 01-27 count, 01-28..02-04 do not: due 02-07."""
    assert due(local(2025, 1, 24, 9), Decimal(5), "workday").at == local(2025, 2, 7, 23, 59, 59)


def test_a_special_procedure_pushes_the_deadline_out_by_its_working_days() -> None:
    """行政许可法 第四十五条: 3 working days of 检测 (10-08..10-10) move 10-30 to 11-04 over a weekend."""
    result = due(
        local(2024, 9, 27, 10), Decimal(20), "workday", [Pause(date(2024, 10, 8), date(2024, 10, 10))]
    )
    assert result.at == local(2024, 11, 4, 23, 59, 59)


def test_half_a_day_accepted_in_the_morning_is_due_that_evening() -> None:
    assert due(local(2024, 11, 4, 9, 30), Decimal("0.5"), "workday").at == local(2024, 11, 4, 23, 59, 59)


def test_half_a_day_accepted_in_the_afternoon_is_due_at_noon_next_working_day() -> None:
    # Friday afternoon → Monday noon.
    assert due(local(2024, 11, 8, 15), Decimal("0.5"), "workday").at == local(2024, 11, 11, 12)


def test_natural_days_and_hours() -> None:
    assert due(local(2024, 9, 27, 10), Decimal(30), "day").at == local(2024, 10, 27, 23, 59, 59)
    assert due(local(2024, 9, 27, 10), Decimal(3), "hour").at == local(2024, 9, 27, 13)


def test_an_immediate_item_is_due_when_accepted() -> None:
    assert due(local(2024, 9, 27, 10), Decimal(0), "workday").at == local(2024, 9, 27, 10)


def test_no_legal_limit_means_no_legal_deadline() -> None:
    assert due(local(2024, 9, 27, 10), None, "workday").at is None


def test_a_deadline_in_a_year_without_a_notice_is_provisional() -> None:
    result = due(local(2026, 12, 20, 10), Decimal(20), "workday")
    assert result.at == local(2027, 1, 15, 23, 59, 59) and result.provisional
