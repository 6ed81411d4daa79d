"""Many applications for one item at the same moment: each gets its own number, serials without gaps, and
the audit chain and the outbox hold one entry and one event per application."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.cases.conftest import APPLICANT, race
from yimen.cases.models import Case, Channel
from yimen.cases.services import intake
from yimen.catalog.models import ServiceItem
from yimen.core import audit
from yimen.core.models import OutboxMessage


@pytest.mark.django_db(transaction=True)
def test_six_applications_at_once_get_six_consecutive_numbers(licence: ServiceItem) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads with their own connections need a server database")
    before = audit.verify()[0]
    outcomes = race(*[lambda: intake.submit(item=licence, applicant=APPLICANT, channel=Channel.ONLINE)] * 6)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert failures == []
    serials = sorted(int(number[-4:]) for number in Case.objects.values_list("number", flat=True))
    assert serials == [1, 2, 3, 4, 5, 6]
    assert audit.verify() == (before + 6, None)
    assert OutboxMessage.objects.filter(name="case.submitted").count() == 6
