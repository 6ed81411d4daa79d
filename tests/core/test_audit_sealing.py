"""Services write their audit entries with their other writes just before they commit (`batch.atomic`,
`core.batch`); `audit.seal()` numbers and chains them afterwards, so writers never wait for each other
and the chain stays numbered without gaps, also with many writers and sealers at once."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection, transaction

from yimen.core import audit, batch
from yimen.core.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db


def _login(staff) -> AuditEntry:
    return audit.record("auth.login", staff, actor=staff)


def test_a_services_entries_are_appended_when_it_ends_in_order(cast) -> None:
    seen_inside: list[int] = []

    @batch.atomic
    def rename_and_log_in() -> tuple[AuditEntry, AuditEntry]:
        first = audit.record("org.window_renamed", cast.window, actor=cast.admin, after={"name": "新"})
        second = _login(cast.clerk)
        seen_inside.append(AuditEntry.objects.count())
        return first, second

    rename_and_log_in()
    assert seen_inside == [0]  # nothing written while the service still runs
    assert AuditEntry.objects.filter(seq__isnull=True).count() == 2
    assert audit.seal() == 2
    first, second = AuditEntry.objects.order_by("seq")
    assert (first.seq, second.seq) == (1, 2) and second.prev_hash == first.hash
    assert (first.action, second.action) == ("org.window_renamed", "auth.login")
    assert audit.verify() == (2, None)


def test_a_failed_service_leaves_no_entry(cast) -> None:
    @batch.atomic
    def fails() -> None:
        _login(cast.clerk)
        raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        fails()
    _login(cast.reviewer)
    assert audit.verify() == (1, None)
    assert list(AuditEntry.objects.values_list("seq", "actor_label")) == [(1, "王审批")]


def test_an_entry_inside_a_rolled_back_savepoint_is_dropped_with_it(cast) -> None:
    @batch.atomic
    def partly_fails() -> None:
        _login(cast.clerk)
        try:
            with transaction.atomic():
                _login(cast.other)
                raise ValueError("this part is undone")
        except ValueError:
            pass
        _login(cast.reviewer)

    partly_fails()
    assert list(AuditEntry.objects.order_by("id").values_list("actor_label", flat=True)) == [
        "李窗口",
        "王审批",
    ]
    assert audit.verify() == (2, None)


def test_nested_services_append_once_at_the_outer_end(cast) -> None:
    @batch.atomic
    def inner() -> None:
        _login(cast.clerk)

    @batch.atomic
    def outer() -> int:
        inner()
        inner()
        return AuditEntry.objects.count()

    assert outer() == 0
    assert AuditEntry.objects.count() == 2 and audit.verify() == (2, None)


@pytest.mark.django_db(transaction=True)
def test_collecting_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="只能在事务中使用"), batch.collecting():
        pass


def test_sealing_goes_in_batches_in_the_order_entries_were_written(cast) -> None:
    for n in range(5):
        audit.record("test.noted", actor="系统", object_type="test", object_id=str(n))
    assert audit.seal(limit=2) == 5
    assert list(AuditEntry.objects.order_by("seq").values_list("object_id", flat=True)) == list("01234")
    audit.record("test.noted", actor="系统", object_type="test", object_id="5")
    assert audit.verify() == (6, None)
    assert AuditHead.objects.get().seq == 6


# Many writers at once: threads with their own connections need a server database.


def _in_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    failures: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait(10)
            work(index)
        except BaseException as exc:
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return failures


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads with their own connections need a server database")


@pytest.mark.django_db(transaction=True)
def test_eight_writers_and_two_sealers_at_once_leave_one_unbroken_chain(cast) -> None:
    _needs_postgresql()

    @batch.atomic
    def service(index: int, n: int) -> None:
        audit.record("test.changed", actor="系统", object_type="test", object_id=f"{index}-{n}")
        audit.record("test.noted", actor="系统", object_type="test", object_id=f"{index}-{n}")

    def work(index: int) -> None:
        for n in range(25):
            if index >= 8:  # the sealers: the worker, and `yimen audit verify` run by hand
                audit.seal(limit=7)
            elif n % 5 == 4:
                audit.record("test.single", actor="系统", object_type="test", object_id=f"{index}-{n}")
            else:
                service(index, n)

    assert _in_threads(10, work) == []
    expected = 8 * (20 * 2 + 5)
    assert audit.verify() == (expected, None)
    assert AuditHead.objects.get().seq == expected
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, expected + 1))


@pytest.mark.django_db(transaction=True)
def test_a_writer_never_waits_for_the_chain_head(cast) -> None:
    _needs_postgresql()
    _login(cast.admin)
    audit.seal()  # the head row exists
    with transaction.atomic():
        with connection.cursor() as cursor:  # a sealer holds the head
            cursor.execute("SELECT id FROM core_audithead FOR UPDATE")

        @batch.atomic
        def service(_: int) -> None:
            _login(cast.clerk)

        # Another connection writes its entry and commits while the head is held.
        assert _in_threads(1, service) == []
        assert AuditEntry.objects.filter(seq__isnull=True).count() == 1
    assert audit.verify() == (2, None)
