"""Consultations (征求意见) and appeals (行政复议, 行政诉讼) come in from their own sheets, each row naming
its request by 申请编号: replayed on their dates among the request's steps, so a consultation pauses the
imported clock as it would have, and a problem is named by sheet, row and column."""

from __future__ import annotations

from datetime import date

import pytest

from tests.disclosure.import_files import CONSULTATION, NUMBER, REVIEW, SUIT, consulted, xlsx
from yimen.disclosure import deadlines, importing
from yimen.disclosure.models import (
    AppealKind,
    AppealResult,
    ConsultationParty,
    DisclosureRequest,
    Outcome,
    RequestState,
)

pytestmark = pytest.mark.django_db


def test_a_consultation_over_mid_autumn_pauses_the_imported_clock_past_national_day(cast) -> None:
    """Received 2024-09-02: 20 working days end 2024-09-30 (the Saturday 09-14 and Sunday 09-29 being
    调休 working days). The third party, asked 09-10 and answering 09-20, held 7 working days (09-11,
    12, 13, 14, 18, 19, 20; 中秋 09-15–17 off): 6 days ran before, the other 14 run from 09-23 — 09-23–27,
    29, 30, then after 国庆 10-08–12 (the 12th a Saturday worked) and 10-14, 15: due 2024-10-15."""
    report = importing.import_requests(xlsx(consulted(), consultations=[CONSULTATION]), by=cast.officer)

    assert not report.errors, [str(e) for e in report.errors]
    imported = DisclosureRequest.objects.get(number=NUMBER)
    assert (imported.due_on, imported.paused_workdays) == (date(2024, 10, 15), 7)
    assert (imported.state, imported.outcome) == (RequestState.CLOSED, Outcome.PARTIAL)
    consultation = imported.consultations.get()
    assert (
        consultation.party_kind,
        consultation.party_name,
        consultation.sent_on,
        consultation.replied_on,
        consultation.opinion,
    ) == (
        ConsultationParty.THIRD_PARTY,
        "咸宁市青山置业有限公司",
        date(2024, 9, 10),
        date(2024, 9, 20),
        "同意部分公开",
    )
    paused = [step for step in deadlines.explain(imported) if "征求" in step.label]
    assert [(step.workdays, step.due_after) for step in paused] == [(7, date(2024, 10, 15))]


def test_a_review_then_a_suit_after_it_come_in_with_their_results(cast) -> None:
    report = importing.import_requests(
        xlsx(consulted(), consultations=[CONSULTATION], appeals=[SUIT, REVIEW]), by=cast.officer
    )

    assert not report.errors, [str(e) for e in report.errors]
    appeals = DisclosureRequest.objects.get(number=NUMBER).appeals.order_by("filed_on")
    assert [(a.kind, a.filed_on, a.body, a.reference, a.result, a.decided_on) for a in appeals] == [
        (
            AppealKind.RECONSIDERATION,
            date(2024, 11, 20),
            "咸宁市人民政府",
            "咸政复〔2024〕88号",
            AppealResult.MAINTAINED,
            date(2025, 1, 15),
        ),
        (AppealKind.LITIGATION_AFTER, date(2025, 1, 30), "咸宁市咸安区人民法院", "", "", None),
    ]


def test_a_suit_after_review_without_the_review_is_refused_on_the_appeals_sheet(cast) -> None:
    report = importing.import_requests(xlsx(consulted(), appeals=[SUIT]), by=cast.officer)

    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("复议诉讼", 2, "类别")]
    assert "复议后起诉须先登记该申请的行政复议" in report.errors[0].message
    assert not DisclosureRequest.objects.exists()


def test_rows_of_the_other_sheets_are_checked_cell_by_cell_and_against_the_requests(cast) -> None:
    report = importing.import_requests(
        xlsx(
            consulted(),
            consultations=[
                CONSULTATION | {"申请编号": "咸政公开〔2024〕99号"},
                CONSULTATION | {"征求对象": "邻居", "收回日期": date(2024, 9, 9)},
                CONSULTATION | {"收回日期": None, "意见": ""},
            ],
            appeals=[REVIEW | {"类别": "行政诉讼"}, REVIEW | {"结果": "维持", "决定或判决日期": None}],
        ),
        by=cast.officer,
    )

    found = {(e.sheet, e.row, e.column) for e in report.errors}
    assert found == {
        ("征求意见", 2, "申请编号"),
        ("征求意见", 3, "征求对象"),
        ("征求意见", 3, "收回日期"),
        ("征求意见", 4, "收回日期"),
        ("复议诉讼", 2, "类别"),
        ("复议诉讼", 3, "决定或判决日期"),
    }
    messages = " ".join(str(e) for e in report.errors)
    assert "“申请”表中没有申请编号为“咸政公开〔2024〕99号”的申请" in messages
    assert "征求意见表 第4行 〔收回日期〕：该申请已于2024-10-14答复" in messages
    assert not DisclosureRequest.objects.exists()


def test_a_consultation_the_rules_refuse_is_reported_at_its_own_row(cast) -> None:
    """Sent before the request was received: the service's refusal lands on the 征求意见 sheet."""
    report = importing.import_requests(
        xlsx(consulted(), consultations=[CONSULTATION | {"发出日期": date(2024, 8, 30)}]), by=cast.officer
    )

    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("征求意见", 2, "发出日期")]
    assert not DisclosureRequest.objects.exists()
