"""What a step costs the database: a centre files, accepts and concludes thousands of cases an hour, so
each step runs only the statements it needs — the case, its timeline event, its outbox events and SMS,
its audit entry — and nothing that does not change between steps (the guide's steps and joint
organisations, the centre's name, the staff member's roles) is read again for each one. What a step writes
and does not read back goes to the database together, in one round trip on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import APPLICANT
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
# multi-statement string (with the COMMIT, when the service's transaction is the outermost one: BEGIN
# and this one round trip).
ROUND_TRIPS = {"submit": 2, "accept": 1, "conclude": 1}


def _statements(run) -> tuple[object, int]:
    """What `run` sent: statements on SQLite, round trips (a multi-statement string is one) on PostgreSQL."""
    with CaptureQueriesContext(connection) as captured:
        result = run()
    written = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    return result, len(written)


def test_a_promised_case_is_filed_accepted_and_concluded_in_few_round_trips_a_step(licence, cast) -> None:
    item = ServiceItem.objects.select_related("current").get(pk=licence.pk)
    clerk, reviewer = Staff.objects.get(pk=cast.clerk.pk), Staff.objects.get(pk=cast.reviewer.pk)

    def cycle() -> dict[str, int]:
        counts = {}
        case, counts["submit"] = _statements(
            lambda: intake.submit(item=item, applicant=APPLICANT, channel=Channel.ONLINE)
        )
        assert isinstance(case, Case)
        case, counts["accept"] = _statements(lambda: steps.accept(case=case, by=clerk))
        _, counts["conclude"] = _statements(
            lambda: steps.conclude(case=case, by=reviewer, result=Result.ISSUED, certificate_no="JY1")
        )
        return counts

    cycle()  # the first one reads the roles, the guide's steps and the centre's name
    assert cycle() == (ROUND_TRIPS if connection.vendor == "postgresql" else STATEMENTS)
    assert Case.objects.filter(state="concluded").count() == 2
