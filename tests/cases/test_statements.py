"""What a step costs the database: a centre files, accepts and concludes thousands of cases an hour, so
each step runs only the statements it needs — the case, its timeline event, its outbox events and SMS,
its audit entry — and nothing that does not change between steps (the guide's steps and joint
organisations, the centre's name, the staff member's roles) is read again for each one. What a step writes
and does not read back goes to the database together, in one round trip on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.cases.conftest import APPLICANT
from tests.round_trips import Sent, sent
from yimen.cases.models import Case, Channel, Result
from yimen.cases.services import intake, steps
from yimen.catalog.models import ServiceItem
from yimen.org.models import Staff

pytestmark = pytest.mark.django_db

# submit: number, then together: case, event, audit entry, outbox event + SMS (one INSERT of two rows);
# accept / conclude: together: the case's guarded update, event, audit entry, outbox event + SMS. Nothing
# is read: the step is checked on the case the caller holds (optimistic locking).
STATEMENTS = {"submit": 5, "accept": 4, "conclude": 4}
# Round trips on PostgreSQL, where the number comes with the case's id and a step's writes go as one
# string of statements (outside a test's transaction, psycopg's BEGIN comes before and Django's COMMIT after).
ROUND_TRIPS = {"submit": 2, "accept": 1, "conclude": 1}


def _statements(run) -> tuple[object, Sent]:
    with sent() as record:
        result = run()
    return result, record


def test_a_promised_case_is_filed_accepted_and_concluded_in_few_round_trips_a_step(licence, cast) -> None:
    item = ServiceItem.objects.select_related("current").get(pk=licence.pk)
    clerk, reviewer = Staff.objects.get(pk=cast.clerk.pk), Staff.objects.get(pk=cast.reviewer.pk)

    def cycle() -> dict[str, Sent]:
        sent_by = {}
        case, sent_by["submit"] = _statements(
            lambda: intake.submit(item=item, applicant=APPLICANT, channel=Channel.ONLINE)
        )
        assert isinstance(case, Case)
        case, sent_by["accept"] = _statements(lambda: steps.accept(case=case, by=clerk))
        _, sent_by["conclude"] = _statements(
            lambda: steps.conclude(case=case, by=reviewer, result=Result.ISSUED, certificate_no="JY1")
        )
        return sent_by

    cycle()  # the first one reads the roles, the guide's steps and the centre's name
    sent_by = cycle()
    assert {step: len(s.statements) for step, s in sent_by.items()} == STATEMENTS
    assert {step: s.round_trips for step, s in sent_by.items()} == (
        ROUND_TRIPS if connection.vendor == "postgresql" else STATEMENTS
    )
    assert Case.objects.filter(state="concluded").count() == 2
