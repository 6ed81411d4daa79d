"""Two officers acting on one request at once: the row lock serialises them, one wins and the other is
refused with TransitionError (HTTP 409); a page loaded before the other's step is stale (409 too)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from tests.cases.conftest import race
from tests.disclosure.conftest import started
from yimen.core.errors import TransitionError
from yimen.disclosure.models import DisclosureRequest, EventKind, Outcome, Reply, RequestState
from yimen.disclosure.services import clock, steps

RECEIVED = date(2024, 3, 4)


def _server_database() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "threads with their own connections need a server database (the suite also runs on PostgreSQL)"
        )


@pytest.mark.django_db(transaction=True)
def test_two_officers_replying_at_once_have_one_winner(cast) -> None:
    _server_database()
    request = started(cast, RECEIVED)
    outcomes = race(
        lambda: steps.reply(
            request=request, by=cast.officer, outcome=Outcome.NOT_HELD, reasons="未制作", on=date(2024, 3, 20)
        ),
        lambda: steps.reply(
            request=request, by=cast.head, outcome=Outcome.PROCESS, reasons="过程性信息", on=date(2024, 3, 20)
        ),
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], TransitionError) and losers[0].status == 409
    assert "已答复" in losers[0].message
    request.refresh_from_db()
    assert Reply.objects.filter(request=request).count() == 1
    assert request.outcome == Reply.objects.get(request=request).outcome
    assert request.events.filter(kind=EventKind.REPLIED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_extension_and_a_reply_at_once_leave_a_consistent_request(cast) -> None:
    _server_database()
    request = started(cast, RECEIVED)
    outcomes = race(
        lambda: clock.extend(
            request=request, by=cast.head, workdays=10, reason="需调档", on=date(2024, 3, 25)
        ),
        lambda: steps.reply(
            request=request, by=cast.officer, outcome=Outcome.NOT_HELD, reasons="未制作", on=date(2024, 3, 25)
        ),
    )
    request.refresh_from_db()
    assert request.state == RequestState.REPLIED and not isinstance(outcomes[1], BaseException)
    # every step that went through bumped the version once and left one event: nothing half-done
    assert request.lock_version == request.events.exclude(kind=EventKind.RECEIVED).count()
    assert request.extension_workdays == (10 if not isinstance(outcomes[0], BaseException) else 0)


@pytest.mark.django_db
def test_the_second_of_two_replies_is_refused_with_409(cast) -> None:
    request = started(cast, RECEIVED)
    steps.reply(
        request=request, by=cast.officer, outcome=Outcome.NOT_HELD, reasons="未制作", on=date(2024, 3, 20)
    )
    with pytest.raises(TransitionError) as refused:
        steps.reply(
            request=request,
            by=cast.head,
            outcome=Outcome.DISCLOSED,
            reasons="",
            how_to_obtain="邮件",
            on=date(2024, 3, 20),
        )
    assert refused.value.status == 409 and "已答复" in refused.value.message
    assert DisclosureRequest.objects.get(pk=request.pk).outcome == Outcome.NOT_HELD


@pytest.mark.django_db
def test_a_stale_page_is_refused_with_409(cast) -> None:
    request = started(cast, RECEIVED)
    seen = request.lock_version
    clock.extend(request=request, by=cast.head, workdays=5, reason="需调档", on=date(2024, 3, 25))
    with pytest.raises(TransitionError) as refused:
        clock.extend(
            request=request,
            by=cast.head,
            workdays=5,
            reason="重复提交",
            on=date(2024, 3, 25),
            expected_version=seen,
        )
    assert "刷新" in refused.value.message
    assert DisclosureRequest.objects.get(pk=request.pk).extension_workdays == 5
