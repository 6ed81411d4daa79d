"""行政复议 and 行政诉讼 linked to the request, with their results and dates (table 四)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.disclosure.conftest import appealed, decided, replied, started
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.disclosure.models import AppealKind, AppealResult, EventKind, Outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(cast):
    return replied(
        cast, started(cast, date(2024, 3, 4)), Outcome.PROCESS, date(2024, 3, 20), "属于过程性信息"
    )


def test_a_reconsideration_then_a_suit_after_it(cast, refused) -> None:
    review = appealed(
        cast, refused, AppealKind.RECONSIDERATION, date(2024, 4, 15), reference="咸政复〔2024〕12号"
    )
    assert (review.result, review.organisation_id) == ("", cast.centre.pk)  # 尚未审结
    review = decided(cast, review, AppealResult.MAINTAINED, date(2024, 6, 10))
    suit = appealed(
        cast, refused, AppealKind.LITIGATION_AFTER, date(2024, 6, 20), body="咸宁市咸安区人民法院"
    )
    assert (review.result, review.decided_on, suit.kind) == (
        "maintained",
        date(2024, 6, 10),
        "litigation_after",
    )
    kinds = list(
        refused.events.filter(kind__in=[EventKind.APPEALED, EventKind.APPEAL_DECIDED]).values_list(
            "note", flat=True
        )
    )
    assert kinds == ["行政复议", "行政复议：结果维持", "行政诉讼：复议后起诉"]


def test_a_suit_after_reconsideration_needs_the_reconsideration(cast, refused) -> None:
    with pytest.raises(ApplicationError) as wrong:
        appealed(cast, refused, AppealKind.LITIGATION_AFTER, date(2024, 4, 15), body="法院")
    assert "复议后起诉" in wrong.value.fields["kind"][0]


def test_an_appeal_is_decided_once(cast, refused) -> None:
    suit = appealed(cast, refused, AppealKind.LITIGATION_DIRECT, date(2024, 5, 6), body="咸安区人民法院")
    decided(cast, suit, AppealResult.CORRECTED, date(2024, 9, 2))
    with pytest.raises(TransitionError):
        decided(cast, suit, AppealResult.OTHER, date(2024, 9, 3))


def test_a_decision_cannot_precede_the_filing(cast, refused) -> None:
    review = appealed(cast, refused, AppealKind.RECONSIDERATION, date(2024, 4, 15))
    with pytest.raises(ApplicationError) as wrong:
        decided(cast, review, AppealResult.MAINTAINED, date(2024, 4, 1))
    assert "decided_on" in wrong.value.fields


def test_other_department_cannot_file(cast, refused) -> None:
    with pytest.raises(NotPermitted):
        appealed(cast, refused, AppealKind.RECONSIDERATION, date(2024, 4, 15), by=cast.other)
