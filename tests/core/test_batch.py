"""A service's unread writes are queued and sent together when it ends (`core.batch`): nothing is sent
early, nothing is lost, a rolled-back savepoint takes its writes with it, a bulk service sends slices."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from yimen.core import batch
from yimen.core.models import HandledMessage

pytestmark = pytest.mark.django_db


def _note(key: str) -> None:
    batch.insert(HandledMessage(key=key, handler="test"))


def _keys() -> list[str]:
    return list(HandledMessage.objects.order_by("id").values_list("key", flat=True))


def test_writes_are_sent_together_when_the_block_ends() -> None:
    with transaction.atomic(), batch.collecting():
        _note("a")
        batch.execute(*batch.update_statement(HandledMessage(pk=0), handler="nobody"))
        _note("b")
        assert _keys() == []  # queued, not sent
    assert _keys() == ["a", "b"]


def test_on_postgresql_the_queue_is_one_round_trip() -> None:
    with CaptureQueriesContext(connection) as sent, transaction.atomic(), batch.collecting():
        for key in "abc":
            _note(key)
    written = [q for q in sent.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(written) == (1 if connection.vendor == "postgresql" else 3)
    assert _keys() == ["a", "b", "c"]


def test_a_rolled_back_savepoint_takes_its_queued_writes_with_it() -> None:
    with transaction.atomic(), batch.collecting():
        _note("kept")
        try:
            with transaction.atomic():
                _note("undone")
                raise ValueError("this part fails")
        except ValueError:
            pass
        _note("also kept")
    assert _keys() == ["kept", "also kept"]


def test_an_error_in_the_block_sends_nothing() -> None:
    with pytest.raises(RuntimeError), transaction.atomic(), batch.collecting():
        _note("lost with the transaction")
        raise RuntimeError("the service failed")
    assert _keys() == []


def test_flush_sends_what_is_queued_so_that_it_can_be_read() -> None:
    with transaction.atomic(), batch.collecting():
        _note("a")
        batch.flush()
        assert _keys() == ["a"]


def test_a_bulk_service_sends_its_writes_in_slices() -> None:
    with transaction.atomic(), batch.collecting():
        for n in range(batch.FLUSH_AT + 10):
            _note(f"k{n}")
        assert HandledMessage.objects.count() == batch.FLUSH_AT  # the first slice went on its own
    assert HandledMessage.objects.count() == batch.FLUSH_AT + 10


def test_outside_a_block_a_write_is_sent_at_once() -> None:
    _note("now")
    assert _keys() == ["now"]
    instance = HandledMessage(key="x", handler="test")
    batch.insert(instance)
    assert instance._state.adding is False  # saving it again would not insert it twice

