"""征求意见 (条例第三十二条、第三十四条): the other side has 15 working days, and the time is not counted
(第三十三条第三款) — here across 国庆 2024 (10-01..07 off; Sunday 09-29 and Saturday 10-12 worked)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.disclosure.conftest import answered, consulted, replied, started
from yimen.core.errors import TransitionError
from yimen.disclosure.models import ConsultationParty, Outcome, RequestState

pytestmark = pytest.mark.django_db
RECEIVED = date(2024, 9, 2)  # Monday; due Monday 2024-09-30 (中秋 09-15..17 off, 09-14 and 09-29 worked)
SENT = date(2024, 9, 25)  # Wednesday, to a third party


def test_a_consultation_across_national_day_stops_the_clock(cast) -> None:
    """Sent Wednesday 09-25, answered Tuesday 10-15: 09-26, 09-27, 09-29, 09-30, 10-08..12, 10-14, 10-15 are
    11 working days not counted, so 09-30 becomes Monday 2024-10-21."""
    request = started(cast, RECEIVED)
    assert request.due_on == date(2024, 9, 30)
    consultation = consulted(cast, request, SENT)
    assert consultation.reply_due_on == date(2024, 10, 21)  # 15 working days for the third party
    request.refresh_from_db()
    assert request.state == RequestState.CONSULTING
    answered(cast, consultation, date(2024, 10, 15), "不同意公开")
    request.refresh_from_db()
    assert (request.state, request.paused_workdays, request.due_on) == (
        RequestState.IN_PROGRESS,
        11,
        date(2024, 10, 21),
    )


def test_while_open_the_pause_runs_to_the_other_sides_deadline(cast) -> None:
    """Still waiting: paused through 10-21 (15 working days), so due 4 working days later, Friday 10-25."""
    request = started(cast, RECEIVED)
    consulted(cast, request, SENT)
    request.refresh_from_db()
    assert (request.paused_workdays, request.due_on) == (15, date(2024, 10, 25))


def test_a_late_opinion_pauses_no_longer_than_fifteen_working_days(cast) -> None:
    """条例第三十二条: answered 10-30, after its 10-21 deadline — only 15 working days are left out."""
    request = started(cast, RECEIVED)
    consultation = consulted(cast, request, SENT)
    answered(cast, consultation, date(2024, 10, 30), "逾期回复")
    request.refresh_from_db()
    assert (request.paused_workdays, request.due_on) == (15, date(2024, 10, 25))


def test_a_third_party_and_an_agency_at_once_count_their_days_once(cast) -> None:
    request = started(cast, RECEIVED)
    first = consulted(cast, request, SENT)
    second = consulted(cast, request, date(2024, 9, 27), ConsultationParty.AGENCY)
    answered(cast, first, date(2024, 10, 15), "同意")
    request.refresh_from_db()
    assert request.state == RequestState.CONSULTING  # the agency has not answered yet
    answered(cast, second, date(2024, 10, 10), "同意")
    request.refresh_from_db()
    assert (request.state, request.paused_workdays, request.due_on) == (
        RequestState.IN_PROGRESS,
        11,
        date(2024, 10, 21),
    )


def test_an_opinion_is_recorded_once(cast) -> None:
    request = started(cast, RECEIVED)
    consultation = consulted(cast, request, SENT)
    consulted(cast, request, date(2024, 9, 26))
    answered(cast, consultation, date(2024, 10, 8), "同意")
    with pytest.raises(TransitionError):
        answered(cast, consultation, date(2024, 10, 9), "同意")


def test_no_reply_while_consulting(cast) -> None:
    request = started(cast, RECEIVED)
    consulted(cast, request, SENT)
    with pytest.raises(TransitionError) as refused:
        replied(cast, request, Outcome.DISCLOSED, date(2024, 10, 8), how_to_obtain="邮件发送")
    assert "征求意见中" in refused.value.message
