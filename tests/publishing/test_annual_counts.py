"""Table 二 of the annual report: 规章 and 行政规范性文件 本年制发件数 / 本年废止件数 / 现行有效件数, from the
documents' kinds, 成文日期 and 废止/失效 dates (annual-report-rules.md)."""

from __future__ import annotations

from datetime import date

import pytest

from yimen.publishing import queries
from yimen.publishing.models import Kind, Validity
from yimen.publishing.services import publications

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(desk):
    """A 2022 normative document repealed in mid-2024, one each from 2023 and 2024 still in force, a
    2024 regulation that expires in 2025, and a 2024 draft and a withdrawn document that do not count."""
    old = desk.published(written_on=date(2022, 3, 1), document_number="咸政务发〔2022〕1号")
    publications.change_validity(
        publication=old, by=desk.base.officer, validity=Validity.REPEALED, on=date(2024, 6, 30)
    )
    desk.published(written_on=date(2023, 5, 10), document_number="咸政务发〔2023〕2号")
    desk.published(written_on=date(2024, 2, 1), document_number="咸政务发〔2024〕3号")
    rule = desk.published(
        "zcwj-gz", kind=Kind.REGULATION, written_on=date(2024, 1, 15), document_number="咸宁市人民政府令第5号"
    )
    publications.change_validity(
        publication=rule, by=desk.base.officer, validity=Validity.EXPIRED, on=date(2025, 3, 1)
    )
    desk.draft(written_on=date(2024, 8, 1), document_number="咸政务发〔2024〕9号")
    wrong = desk.published(written_on=date(2024, 4, 1), document_number="咸政务发〔2024〕4号")
    publications.withdraw(publication=wrong, by=desk.base.head, reason="误发")
    return desk


def _row(counts, label):
    return (counts[label]["本年制发件数"], counts[label]["本年废止件数"], counts[label]["现行有效件数"])


def test_counts_for_each_year(documents) -> None:
    centre = documents.base.centre
    y2023, y2024, y2025 = (queries.annual_counts(centre, y) for y in (2023, 2024, 2025))
    assert _row(y2023, "行政规范性文件") == (1, 0, 2)
    assert _row(y2024, "行政规范性文件") == (1, 1, 2)  # the 2022 document is repealed in 2024
    assert _row(y2025, "行政规范性文件") == (0, 0, 2)
    assert _row(y2024, "规章") == (1, 0, 1)
    assert _row(y2025, "规章") == (0, 1, 0)  # 失效 counts as 废止 in the year it happens


def test_a_repeal_in_a_later_year_keeps_the_document_in_force_until_then(documents) -> None:
    y2023 = queries.annual_counts(documents.base.centre, 2023)
    assert y2023["行政规范性文件"]["现行有效件数"] == 2  # the 2022 one still counts at the end of 2023


def test_another_organisation_has_its_own_counts(documents) -> None:
    assert queries.annual_counts(documents.base.market, 2024) == {
        "规章": {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": 0},
        "行政规范性文件": {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": 0},
    }


def test_each_cell_lists_the_documents_behind_it(documents) -> None:
    centre = documents.base.centre.pk
    repealed = queries.annual_count_records([centre], 2024, Kind.NORMATIVE, "本年废止件数")
    assert [p.document_number for p in repealed] == ["咸政务发〔2022〕1号"]
    in_force = queries.annual_count_records([centre], 2023, Kind.NORMATIVE, "现行有效件数")
    assert sorted(p.document_number for p in in_force) == ["咸政务发〔2022〕1号", "咸政务发〔2023〕2号"]
