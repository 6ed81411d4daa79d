"""补正 (条例第三十条): one notice within 7 working days of receipt; the clock restarts on the supplement;
no supplement by the deadline closes the request as 其他处理-1."""

from __future__ import annotations

from datetime import date

import pytest

from tests.disclosure.conftest import filed, started
from yimen.core.errors import ApplicationError, TransitionError
from yimen.disclosure import deadlines
from yimen.disclosure.models import EventKind, Outcome, RequestState
from yimen.disclosure.services import clock

pytestmark = pytest.mark.django_db
RECEIVED = date(2024, 3, 4)  # Monday; due 2024-04-01 without a clarification


def ask(cast, request, on: date = date(2024, 3, 8), deadline_on: date = date(2024, 3, 22)):
    return clock.request_clarification(
        request=request,
        by=cast.officer,
        items=["请写明所需文件的文号或发布时间", "请说明所需信息的获取形式"],
        deadline_on=deadline_on,
        on=on,
    )


def test_the_supplement_restarts_the_twenty_days(cast) -> None:
    """Notice 03-08, supplement Monday 03-18: 20 working days from 03-18 — 03-19..04-03 is 12, 清明 04-04..06
    is skipped, Sunday 04-07 (调休) is 13th, 04-08..12 and 04-15..16 — due Tuesday 2024-04-16."""
    request = ask(cast, started(cast, RECEIVED))
    assert request.state == RequestState.CLARIFYING
    request = clock.receive_clarification(
        request=request,
        by=cast.officer,
        content="所需文件为咸政务发〔2024〕5号，电子文件",
        on=date(2024, 3, 18),
    )
    assert request.state == RequestState.IN_PROGRESS
    assert (request.clock_start_on, request.due_on) == (date(2024, 3, 18), date(2024, 4, 16))
    steps = deadlines.explain(request)
    assert [(s.on, s.workdays, s.due_after) for s in steps][-1] == (date(2024, 3, 18), 20, date(2024, 4, 16))
    assert "重新起算" in steps[-1].label and "第三十条" in steps[-1].rule


def test_while_waiting_the_deadline_assumes_the_supplement_comes_on_the_last_day(cast) -> None:
    """Deadline for the supplement Friday 03-22: at most 20 working days from then, Monday 2024-04-22."""
    request = ask(cast, started(cast, RECEIVED))
    assert request.due_on == date(2024, 4, 22)


def test_the_applicant_supplements_online(cast) -> None:
    request = ask(cast, filed(cast, RECEIVED))
    request = clock.receive_clarification(
        request=request, by=None, content="文号：咸政务发〔2024〕5号", on=date(2024, 3, 11)
    )
    event = request.events.get(kind=EventKind.CLARIFICATION_RECEIVED)
    assert event.by is None and event.due_after == request.due_on == date(2024, 4, 9)


def test_the_notice_must_come_within_seven_working_days(cast) -> None:
    """Received 03-04: the 7th working day is Wednesday 03-13; a notice on 03-14 is refused."""
    request = started(cast, RECEIVED)
    with pytest.raises(ApplicationError) as refused:
        ask(cast, request, on=date(2024, 3, 14), deadline_on=date(2024, 3, 29))
    assert "2024-03-13" in refused.value.fields["on"][0]
    assert (
        ask(cast, request, on=date(2024, 3, 13), deadline_on=date(2024, 3, 29)).state
        == RequestState.CLARIFYING
    )


def test_clarification_is_asked_once(cast) -> None:
    request = ask(cast, started(cast, RECEIVED))
    request = clock.receive_clarification(
        request=request, by=cast.officer, content="补充说明", on=date(2024, 3, 11)
    )
    with pytest.raises(TransitionError) as refused:
        ask(cast, request, on=date(2024, 3, 12))
    assert "一次性" in refused.value.message


def test_the_deadline_must_give_the_applicant_time(cast) -> None:
    with pytest.raises(ApplicationError) as refused:
        ask(cast, started(cast, RECEIVED), deadline_on=date(2024, 3, 8))
    assert "deadline_on" in refused.value.fields


def test_no_supplement_by_the_deadline_closes_as_other_handling_1(cast) -> None:
    request = ask(cast, started(cast, RECEIVED))
    with pytest.raises(ApplicationError):
        clock.expire_clarification(request=request, by=cast.officer, on=date(2024, 3, 22))
    request = clock.expire_clarification(request=request, by=cast.officer, on=date(2024, 3, 25))
    assert (request.state, request.outcome, request.closed_on) == (
        RequestState.CLOSED,
        Outcome.NO_CLARIFICATION,
        date(2024, 3, 25),
    )
    assert "视为放弃申请" in request.reply.body and "2024年3月22日" in request.reply.body


def test_a_late_online_supplement_is_refused(cast) -> None:
    request = ask(cast, started(cast, RECEIVED))
    with pytest.raises(TransitionError) as refused:
        clock.receive_clarification(request=request, by=None, content="迟到的补正", on=date(2024, 3, 25))
    assert "补正期限" in refused.value.message
