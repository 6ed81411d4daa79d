"""The audit write is part of the audited action (GB/T 22239-2019 8.1.4.3 d: 应对审计进程进行保护; security.md
goal 16): when the entry cannot be written, the business change is not made either."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.cases.conftest import APPLICANT
from yimen.cases.models import Case, Channel
from yimen.cases.services import intake
from yimen.core import audit
from yimen.core.models import AuditEntry, OutboxMessage


class AuditDown(Exception):
    pass


def test_an_application_whose_audit_entry_fails_is_not_filed(licence, cast, monkeypatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AuditDown

    before = (AuditEntry.objects.count(), OutboxMessage.objects.count())
    monkeypatch.setattr(audit, "record", fail)
    with pytest.raises(AuditDown):
        intake.submit(
            item=licence, applicant=APPLICANT, channel=Channel.WINDOW, by=cast.clerk, window=cast.window
        )
    assert not Case.objects.exists()
    assert (AuditEntry.objects.count(), OutboxMessage.objects.count()) == before


def test_an_audit_insert_refused_by_the_database_undoes_the_application(licence, cast) -> None:
    """The same with the database itself refusing the entry (an action name longer than its column, which
    SQLite does not enforce)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce a column's length")
    real = audit.record

    def too_long(action: str, *args: object, **kwargs: object) -> object:
        return real("x" * 5000, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "record", too_long)
        with pytest.raises(Exception):  # noqa: B017 (whichever error the database raises)
            intake.submit(
                item=licence, applicant=APPLICANT, channel=Channel.WINDOW, by=cast.clerk, window=cast.window
            )
    assert not Case.objects.exists()
