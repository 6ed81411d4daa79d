"""What a step costs the database: a centre files, accepts and concludes thousands of cases an hour, so
each step runs only the statements it needs — the case, its timeline event, its outbox events and SMS,
its audit entry — and nothing that does not change between steps (the guide's steps and joint
organisations, the centre's name, the staff member's roles) is read again for each one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import APPLICANT
from yimen.cases import services
from yimen.cases.models import Case, Channel, Result
from yimen.catalog.models import ServiceItem
from yimen.org.models import Staff

pytestmark = pytest.mark.django_db

# submit: number, case, event, outbox event, SMS, audit (lock head, entry, head);
# accept / conclude: lock the case, update it, event, outbox event, SMS, audit (3).
BUDGET = {"submit": 8, "accept": 8, "conclude": 8}


def _statements(run) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        result = run()
    written = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    return result, len(written)


def test_a_promised_case_is_filed_accepted_and_concluded_in_eight_statements_a_step(licence, cast) -> None:
    item = ServiceItem.objects.select_related("current").get(pk=licence.pk)
    clerk, reviewer = Staff.objects.get(pk=cast.clerk.pk), Staff.objects.get(pk=cast.reviewer.pk)

    def cycle() -> dict[str, int]:
        counts = {}
        case, counts["submit"] = _statements(
            lambda: services.submit(item=item, applicant=APPLICANT, channel=Channel.ONLINE)
        )
        assert isinstance(case, Case)
        case, counts["accept"] = _statements(lambda: services.accept(case=case, by=clerk))
        _, counts["conclude"] = _statements(
            lambda: services.conclude(case=case, by=reviewer, result=Result.ISSUED, certificate_no="JY1")
        )
        return counts

    cycle()  # the first one reads the roles, the guide's steps and the centre's name
    assert cycle() == BUDGET
    assert Case.objects.filter(state="concluded").count() == 2
