"""Many applications for one item at the same moment: each gets its own number, serials without gaps, and
the audit chain and the outbox hold one entry and one event per application."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from tests.cases.conftest import APPLICANT
from yimen.cases import services
from yimen.cases.models import Case, Channel
from yimen.catalog.models import ServiceItem
from yimen.core import audit
from yimen.core.models import OutboxMessage


@pytest.mark.django_db(transaction=True)
def test_six_applications_at_once_get_six_consecutive_numbers(licence: ServiceItem) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads with their own connections need a server database")
    before = audit.verify()[0]
    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def apply() -> None:
        try:
            start.wait(10)
            services.submit(item=licence, applicant=APPLICANT, channel=Channel.ONLINE)
        except BaseException as exc:
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=apply) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    serials = sorted(int(number[-4:]) for number in Case.objects.values_list("number", flat=True))
    assert serials == [1, 2, 3, 4, 5, 6]
    assert audit.verify() == (before + 6, None)
    assert OutboxMessage.objects.filter(name="case.submitted").count() == 6
