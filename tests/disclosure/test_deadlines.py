"""The answer clock (条例第三十三条): counting from day 0, pauses counted once, a clock that ran out is
not revived, every step explained — and, as a property, a pause never moves the deadline earlier."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.disclosure.conftest import answered, consulted, filed, replied, started
from yimen.disclosure import deadlines
from yimen.disclosure.clock import Pause, due_date
from yimen.disclosure.models import Outcome
from yimen.disclosure.services import clock

pytestmark = pytest.mark.django_db


def test_twenty_working_days_from_the_day_after_receipt() -> None:
    """Received Monday 2024-03-04: 03-05 is day 1 and Monday 2024-04-01 day 20."""
    assert due_date(date(2024, 3, 4), 20).on == date(2024, 4, 1)


def test_a_pause_moves_the_deadline_by_its_working_days() -> None:
    """Paused after Friday 03-08 through Friday 03-15: 5 working days, so 04-01 becomes 04-09 (04-02, 04-03,
    清明 04-04..06 skipped, Sunday 04-07 a 调休 working day, 04-08, 04-09)."""
    due = due_date(date(2024, 3, 4), 20, [Pause(date(2024, 3, 8), date(2024, 3, 15))])
    assert (due.on, due.paused_workdays) == (date(2024, 4, 9), 5)


def test_overlapping_pauses_count_their_days_once() -> None:
    """A third party asked 03-08..03-15 and an agency 03-13..03-20: 03-11..03-20 is 8 working days, not 10."""
    pauses = [Pause(date(2024, 3, 8), date(2024, 3, 15)), Pause(date(2024, 3, 12), date(2024, 3, 20))]
    assert due_date(date(2024, 3, 4), 20, pauses).paused_workdays == 8


def test_a_pause_that_begins_after_the_period_ran_out_changes_nothing() -> None:
    """Due 04-01; a consultation sent 04-02 cannot revive the clock."""
    late = due_date(date(2024, 3, 4), 20, [Pause(date(2024, 4, 2), date(2024, 4, 20))])
    assert (late.on, late.paused_workdays) == (date(2024, 4, 1), 0)


def test_a_pause_sent_on_the_last_day_changes_nothing() -> None:
    assert due_date(date(2024, 3, 4), 20, [Pause(date(2024, 4, 1), date(2024, 4, 10))]).on == date(2024, 4, 1)


def test_a_deadline_in_a_year_without_a_notice_is_provisional() -> None:
    due = due_date(date(2026, 12, 20), 20)
    assert due.on == date(2027, 1, 15) and due.provisional


workday_starts = st.dates(min_value=date(2018, 1, 1), max_value=date(2025, 12, 1))
pauses = st.lists(
    st.tuples(st.integers(min_value=-10, max_value=60), st.integers(min_value=0, max_value=30)), max_size=4
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=workday_starts,
    workdays=st.integers(min_value=1, max_value=40),
    existing=pauses,
    added=st.tuples(st.integers(min_value=-10, max_value=60), st.integers(min_value=0, max_value=30)),
)
def test_adding_a_pause_never_moves_the_deadline_earlier(
    start: date, workdays: int, existing: list[tuple[int, int]], added: tuple[int, int]
) -> None:
    def pause(offset: int, length: int) -> Pause:
        return Pause(start + timedelta(days=offset), start + timedelta(days=offset + length))

    before = due_date(start, workdays, [pause(*p) for p in existing])
    after = due_date(start, workdays, [pause(*p) for p in [*existing, added]])
    assert after.on >= before.on
    assert after.paused_workdays >= before.paused_workdays


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=st.integers(min_value=0, max_value=25), replied=st.integers(min_value=0, max_value=40))
def test_a_consultation_never_moves_a_requests_deadline_earlier(cast, sent: int, replied: int) -> None:
    """Through the services: whatever the day a consultation is sent and answered, the request's stored
    deadline is at least what it was."""
    request = started(cast, date(2024, 9, 2))
    before = request.due_on
    sent_on = date(2024, 9, 2) + timedelta(days=sent)
    answered(cast, consulted(cast, request, sent_on), sent_on + timedelta(days=replied), "不同意公开")
    request.refresh_from_db()
    assert request.due_on >= before
    request.delete()


def test_the_explanation_lets_an_auditor_redo_the_count(cast) -> None:
    """Received 2024-09-02 (due 09-30); a third party consulted 09-25 → 10-15 (11 working days across 国庆,
    09-29 counted as 调休); extended 5 working days on 10-16 with the head's consent: due 10-28."""
    request = started(cast, date(2024, 9, 2))
    answered(cast, consulted(cast, request, date(2024, 9, 25)), date(2024, 10, 15))
    clock.extend(request=request, by=cast.head, workdays=5, reason="需调取档案", on=date(2024, 10, 16))
    request.refresh_from_db()
    steps = deadlines.explain(request)
    assert [(s.on, s.workdays, s.due_after) for s in steps] == [
        (date(2024, 9, 2), 20, date(2024, 9, 30)),
        (date(2024, 9, 25), 11, date(2024, 10, 21)),
        (date(2024, 10, 16), 5, date(2024, 10, 28)),
    ]
    assert "第三十一条" in steps[0].rule and "第三十三条" in steps[0].rule
    assert "不计算在期限内" in steps[1].rule and "征求第三方" in steps[1].label
    assert "负责人同意" in steps[2].label
    assert request.due_on == date(2024, 10, 28) and request.paused_workdays == 11


def test_facts_already_read_set_the_same_clock_without_reading_them_again(
    cast, django_assert_num_queries
) -> None:
    """The demo reads each request's facts once, for its clock and for every step's deadline: received
    2024-09-02 (due 09-30), a third party consulted 09-25 → 10-15 (11 working days): due 10-21."""
    request = started(cast, date(2024, 9, 2))
    answered(cast, consulted(cast, request, date(2024, 9, 25)), date(2024, 10, 15))
    request.refresh_from_db()
    facts = deadlines.facts_of(request)
    request.due_on, request.paused_workdays = date(2024, 9, 30), 0

    with django_assert_num_queries(0):
        fields = deadlines.apply(request, facts=facts)

    assert (request.due_on, request.paused_workdays) == (date(2024, 10, 21), 11)
    assert "due_on" in fields and deadlines.compute(request, facts=facts[:1]).due().on == date(2024, 9, 30)


def test_overdue_is_derived_from_the_stored_deadline(cast) -> None:
    request = filed(cast, date(2024, 3, 4))
    assert not deadlines.is_overdue(request, date(2024, 4, 1))
    assert deadlines.is_overdue(request, date(2024, 4, 2))
    request = replied(cast, request, Outcome.NOT_HELD, date(2024, 4, 3), "本机关未制作该信息")
    assert not deadlines.is_overdue(request, date(2024, 4, 9))
    assert deadlines.answered_late(request)


def test_the_desk_queues_are_answered_from_the_stored_deadline(cast) -> None:
    """On 2024-03-29 (Friday): due 04-01 is yellow (1 working day left), due 03-28 is red, and a request
    of another organisation is not seen."""
    from yimen.disclosure import queries

    yellow = filed(cast, date(2024, 3, 4))
    red = filed(cast, date(2024, 2, 29))
    assert red.due_on == date(2024, 3, 28)
    filed(cast, date(2024, 3, 20))
    today = date(2024, 3, 29)
    assert list(queries.due_soon(cast.officer, today)) == [yellow]
    assert list(queries.overdue(cast.officer, today)) == [red]
    assert (queries.card(yellow, today), queries.card(red, today)) == ("yellow", "red")
    counts = queries.counts_by_state(cast.officer, today)
    assert (counts["registered"], counts["yellow"], counts["red"]) == (3, 1, 1)
    assert not queries.open_requests(cast.other).exists()
    assert list(queries.find(cast.officer, yellow.number)) == [yellow]
    assert queries.lookup(yellow.number, yellow.query_code) == yellow
    assert queries.lookup(yellow.number, "000000" if yellow.query_code != "000000" else "111111") is None
    # A NUL byte (a fuzzer's, or a hostile caller's) is no match, not a database error on PostgreSQL.
    assert queries.lookup(yellow.number, yellow.query_code + "\x00") is None
    assert queries.lookup(yellow.number + "\x00", yellow.query_code) is None
