"""A service's unread writes are queued and sent together when it ends (`core.batch`; one string of
statements on PostgreSQL): nothing is sent early, nothing is lost, a rolled-back savepoint takes its writes
with it, a failing statement raises Django's error, a bulk service sends slices."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.round_trips import sent
from yimen.core import batch
from yimen.core.errors import Stale
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
    with sent() as record, transaction.atomic(), batch.collecting():
        _note("a")
        batch.execute(*batch.update_statement(HandledMessage(pk=0), handler="nobody"))
        _note("b")
        assert record.statements == []  # queued, not sent
    assert len(record.statements) == 3
    assert record.round_trips == (1 if connection.vendor == "postgresql" else 3)
    assert _keys() == ["a", "b"]


def test_neighbouring_inserts_into_one_table_are_one_statement() -> None:
    with sent() as record, transaction.atomic(), batch.collecting():
        for key in "abc":
            _note(key)
    (statement,) = record.statements
    assert statement.count("INSERT INTO") == 1
    assert _keys() == ["a", "b", "c"]


def test_a_failing_statement_among_the_queued_raises_djangos_error_and_writes_nothing() -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), batch.collecting():
        _note("twice")
        batch.execute(*batch.update_statement(HandledMessage(pk=0), handler="nobody"))
        _note("twice")
    assert _keys() == []


def test_a_guarded_write_that_changes_no_row_undoes_the_whole_block() -> None:
    kept = HandledMessage.objects.create(key="kept", handler="test")
    with pytest.raises(Stale), transaction.atomic(), batch.collecting():
        _note("written before the guard")
        sql, params = batch.update_statement(kept, handler="changed")
        batch.execute(f"{sql} AND handler = %s", [*params, "someone else"], guard=True)
        _note("written after the guard")
    assert _keys() == ["kept"]
    assert HandledMessage.objects.get(pk=kept.pk).handler == "test"
    # the connection is usable again, and a guard that holds writes
    with transaction.atomic(), batch.collecting():
        sql, params = batch.update_statement(kept, handler="changed")
        batch.execute(f"{sql} AND handler = %s", [*params, "test"], guard=True)
    assert HandledMessage.objects.get(pk=kept.pk).handler == "changed"


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


def test_writes_sent_early_inside_a_savepoint_are_undone_with_it_and_the_rest_are_dropped() -> None:
    with transaction.atomic(), batch.collecting():
        _note("before")
        try:
            with transaction.atomic():
                _note("sent early")
                batch.flush()
                _note("queued after")
                raise ValueError("this part fails")
        except ValueError:
            pass
        _note("after")
    assert _keys() == ["before", "after"]


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


@batch.atomic
def _service(*keys: str) -> None:
    transaction.on_commit(lambda: committed.append(keys))
    for key in keys:
        _note(key)


committed: list[tuple[str, ...]] = []


@pytest.mark.django_db(transaction=True)
def test_a_service_sends_its_writes_then_commits_as_django_does() -> None:
    committed.clear()
    with CaptureQueriesContext(connection) as everything:
        _service("a", "b")
    # BEGIN, the writes (one statement: neighbouring INSERTs), Django's own COMMIT.
    assert [q["sql"].split()[0] for q in everything.captured_queries] == ["BEGIN", "INSERT", "COMMIT"]
    assert not connection.in_atomic_block
    assert committed == [("a", "b")]  # on_commit callbacks run
    assert _keys() == ["a", "b"]
    with transaction.atomic():  # inside another transaction the service does not commit it
        _service("c")
        assert connection.in_atomic_block
        transaction.set_rollback(True)
    assert _keys() == ["a", "b"]


@pytest.mark.django_db(transaction=True)
def test_a_write_refused_at_the_commit_leaves_nothing_and_the_connection_usable() -> None:
    from yimen.cases.models import CaseEvent

    @batch.atomic
    def orphan_event() -> None:
        _note("with the orphan")
        batch.insert(CaseEvent(case_id=-1, action="x", label="x", state="submitted"))

    with pytest.raises(IntegrityError):
        orphan_event()
    assert _keys() == []
    _service("after")
    assert _keys() == ["after"]
