"""A calendar change (a day closed, a holiday notice loaded) recomputes open requests' deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from tests.disclosure.conftest import consulted, replied, started
from yimen.core import events
from yimen.core.models import OutboxMessage
from yimen.core.services import set_day
from yimen.disclosure.handlers import recompute_deadlines
from yimen.disclosure.models import ConsultationParty, EventKind, FeeMethod, Outcome
from yimen.disclosure.services import fees

pytestmark = pytest.mark.django_db


def changed() -> None:
    message = OutboxMessage.objects.filter(name="calendar.changed").latest("id")
    recompute_deadlines(
        events.received(events.Message(message.pk, message.name, message.payload, message.key, 1))
    )


def test_a_closed_day_moves_an_open_deadline_and_says_so(cast) -> None:
    """Received 2024-03-04 (due 04-01); 03-15 closed for a typhoon: due 04-02."""
    request = started(cast, date(2024, 3, 4))
    answered = replied(cast, started(cast, date(2024, 3, 4)), Outcome.NOT_HELD, date(2024, 3, 8), "x")
    set_day(day=date(2024, 3, 15), is_workday=False, note="台风停止办公", by=cast.admin)
    changed()
    request.refresh_from_db()
    answered.refresh_from_db()
    assert request.due_on == date(2024, 4, 2)
    assert answered.due_on == date(2024, 4, 1)  # answered: its deadline is history
    event = request.events.get(kind=EventKind.RECOMPUTED)
    assert event.public and "2024-04-01调整为2024-04-02" in event.note


def test_pending_consultation_and_payment_deadlines_are_recounted(cast) -> None:
    consulting = started(cast, date(2024, 9, 2))
    consultation = consulted(cast, consulting, date(2024, 9, 25), ConsultationParty.AGENCY, "市档案馆")
    paying = started(cast, date(2024, 9, 2))
    notice = fees.issue_fee_notice(
        request=paying, by=cast.officer, method=FeeMethod.PER_PAGE, quantity=60, on=date(2024, 9, 25)
    )
    assert (consultation.reply_due_on, notice.pay_by) == (date(2024, 10, 21), date(2024, 10, 28))
    set_day(day=date(2024, 10, 9), is_workday=False, note="停电停止办公", by=cast.admin)
    changed()
    consultation.refresh_from_db()
    notice.refresh_from_db()
    consulting.refresh_from_db()
    assert (consultation.reply_due_on, notice.pay_by) == (date(2024, 10, 22), date(2024, 10, 29))
    assert consulting.due_on == date(2024, 10, 28)


def test_nothing_moves_when_the_change_is_after_every_deadline(cast) -> None:
    request = started(cast, date(2024, 3, 4))
    set_day(day=date(2024, 5, 20), is_workday=False, note="x", by=cast.admin)
    changed()
    assert not request.events.filter(kind=EventKind.RECOMPUTED).exists()
