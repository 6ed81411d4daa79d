"""Writes a service never reads back, sent to the database together just before its transaction ends.

A step of a case writes the case, its timeline entry, two outbox rows and an audit entry. Sent one
by one that is a round trip to the database each, and at a busy centre the round trips, not the work,
set how many steps an hour the database takes. Inside `collecting()` (which `audit.atomic` opens for
every service) such writes are queued and sent as one round trip when the block ends; on PostgreSQL
the statements travel as one multi-statement string (Django's client-side parameter binding), on
SQLite, which has no round trips, they run one after another. Queued INSERTs into one table that
follow each other become one INSERT of several rows.

On PostgreSQL the block that ends the transaction (the outermost) sends its COMMIT in the same string:
the step is then BEGIN and one round trip. psycopg sees the transaction ended and Django's commit that
follows sends nothing; if any statement fails, the rest of the string (the COMMIT too) is skipped and
Django rolls back as usual.

A guarded write (`execute(..., guard=True)`, an UPDATE of one row whose WHERE names the version the
service read) must change exactly one row, or the whole block fails with `Stale` and nothing of it is
written: optimistic locking without a separate round trip to lock the row first. On PostgreSQL the
check runs inside the string, before the COMMIT (`yimen_expect_one`, core migration 0010); on SQLite
after the statement.

Only writes that nothing in the same transaction reads back belong here. Code that reads what it may
have queued calls `flush()` first. Statements queued inside a savepoint that rolls back are dropped
with it; an error anywhere in the block drops the whole queue with the transaction.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models, transaction
from django.db.models import Field, Model
from django.db.models.fields import AutoFieldMixin

from yimen.core.errors import Stale

FLUSH_AT = 500  # queued statements sent at once, at most
GUARD_STATE = "YM409"  # SQLSTATE of yimen_expect_one (core migration 0010)


class _Queued:
    """A statement waiting for the end of the block.

    It is registered with `transaction.on_commit` as a no-op: Django drops the callbacks registered
    inside a savepoint that rolls back, so the statements still registered when the queue is sent are
    exactly those whose part of the transaction still stands.
    """

    __slots__ = ("count", "guard", "params", "shape", "sql")

    def __init__(
        self,
        sql: str,
        params: Sequence[Any],
        guard: bool = False,
        shape: tuple[str, str, str] | None = None,
        count: int = 0,
    ) -> None:
        # An INSERT keeps its shape (text before the rows, one row, text after) and row count, so that
        # neighbours of the same shape can be sent as one statement.
        self.sql, self.params, self.guard, self.shape, self.count = sql, params, guard, shape, count

    def __call__(self) -> None:
        pass


class _Pending(threading.local):
    """This thread's queue inside its outermost `collecting()` block, or None outside one."""

    queued: list[_Queued] | None = None


_pending = _Pending()


def _inserting(shape: tuple[str, str, str], params: Sequence[Any], count: int) -> _Queued:
    head, row, tail = shape
    return _Queued(f"{head}{', '.join([row] * count)}{tail}", params, shape=shape, count=count)


def _joined(queued: Sequence[_Queued]) -> list[_Queued]:
    """Neighbouring INSERTs of the same shape as one INSERT of all their rows."""
    joined: list[_Queued] = []
    for q in queued:
        last = joined[-1] if joined else None
        if q.shape is not None and last is not None and last.shape == q.shape:
            joined[-1] = _inserting(q.shape, [*last.params, *q.params], last.count + q.count)
        else:
            joined.append(q)
    return joined


def _guarded_sql(sql: str) -> str:
    return f"WITH changed AS ({sql} RETURNING 1) SELECT yimen_expect_one(count(*)) FROM changed"


def _run(queued: Sequence[_Queued], *, commit: bool = False) -> None:
    """Send the statements; with `commit` (PostgreSQL, the outermost block) end the transaction in the
    same round trip. A guarded statement that changed no row raises Stale."""
    if not queued:
        return
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and (commit or len(queued) > 1 or queued[0].guard):
                texts = [_guarded_sql(q.sql) if q.guard else q.sql for q in queued]
                cursor.execute(
                    ";\n".join([*texts, "COMMIT"] if commit else texts),
                    [p for q in queued for p in q.params],
                )
            else:
                for q in queued:
                    cursor.execute(q.sql, q.params)
                    if q.guard and cursor.rowcount != 1:
                        raise Stale()
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) == GUARD_STATE:
            raise Stale() from None
        raise


def execute(sql: str, params: Sequence[Any] = (), *, guard: bool = False) -> None:
    """Run a statement that returns nothing: now, or at the end of the `collecting()` block. With
    `guard`, an UPDATE that must change exactly one row (or the block fails with Stale)."""
    _queue(_Queued(sql, params, guard))


def _queue(queued: _Queued) -> None:
    if _pending.queued is None:
        _run([queued])
        return
    transaction.on_commit(queued)
    _pending.queued.append(queued)
    if len(_pending.queued) >= FLUSH_AT:  # a bulk service (an import) sends its writes in slices
        flush()


# Fields whose stored value is the attribute itself: Django's preparation (`get_db_prep_save`) would
# hand back the same str or int, at a cost that shows when a step writes five rows.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


@functools.cache
def _insert_shape(
    model: type[Model], vendor: str, skip_conflicts_on: str = "", keep_pk: bool = False
) -> tuple[tuple[str, str, str], tuple[tuple[str, Field[Any, Any], bool], ...]]:
    """The INSERT's shape, and per column the attribute to read, its field, and whether a str or int
    value is stored as it is."""
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if keep_pk or not isinstance(f, AutoFieldMixin))
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    tail = f" ON CONFLICT ({quote(skip_conflicts_on)}) DO NOTHING" if skip_conflicts_on else ""
    columns_read = tuple((f.attname, f, isinstance(f, _PLAIN) and not f.choices) for f in fields)
    return (head, f"({', '.join(['%s'] * len(fields))})", tail), columns_read


def _values(objs: Sequence[Model], columns: Sequence[tuple[str, Field[Any, Any], bool]]) -> list[Any]:
    """Each instance's column values as Django's own INSERT prepares them (`pre_save`,
    `get_db_prep_save`), str and int values of plain fields as they are."""
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy, whose every attribute is a thread-local lookup
    values = []
    for obj in objs:
        attributes = obj.__dict__
        for attname, field, plain in columns:
            value = attributes[attname]
            if not (plain and isinstance(value, str | int | None)):
                value = field.get_db_prep_save(field.pre_save(obj, True), db)
            values.append(value)
    return values


def insert_statement(objs: Sequence[Model], skip_conflicts_on: str = "") -> tuple[str, list[Any]]:
    """One INSERT of these instances of one model, their ids left to the database and not read back
    (rows whose `skip_conflicts_on` column repeats one already stored are skipped). Values are prepared
    as Django's own INSERT prepares them (`pre_save`, `get_db_prep_save`); the SQL is built once per
    model."""
    shape, fields = _insert_shape(type(objs[0]), connection.vendor, skip_conflicts_on)
    queued = _inserting(shape, _values(objs, fields), len(objs))
    return queued.sql, list(queued.params)


def insert_now(obj: Model) -> None:
    """Insert one instance at once and set its id from the database (INSERT … RETURNING): what
    `Model.objects.create()` does, with the SQL built once per model."""
    sql, params = insert_statement([obj])
    pk = obj._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {connection.ops.quote_name(pk.column)}", params)
        row = cursor.fetchone()
    assert row is not None
    setattr(obj, pk.attname, row[0])
    obj._state.adding, obj._state.db = False, connection.alias


@functools.cache
def _update_shape(
    model: type[Model], vendor: str, names: tuple[str, ...]
) -> tuple[str, tuple[tuple[Field[Any, Any], bool], ...]]:
    opts, quote = model._meta, connection.ops.quote_name
    fields = [cast("Field[Any, Any]", opts.get_field(name)) for name in names]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    table, key = quote(opts.db_table), quote(opts.pk.column)
    prepared = tuple((f, isinstance(f, _PLAIN) and not f.choices) for f in fields)
    return f"UPDATE {table} SET {assignments} WHERE {key} = %s", prepared


def update_statement(obj: Model, **values: Any) -> tuple[str, list[Any]]:
    """UPDATE of the named (non-relation) fields of one row by primary key, prepared as Django prepares
    them (str and int values of plain fields as they are); the SQL is built once per set of fields."""
    sql, fields = _update_shape(type(obj), connection.vendor, tuple(values))
    db = connections[DEFAULT_DB_ALIAS]
    params = [
        v if plain and isinstance(v, str | int | None) else field.get_db_prep_save(v, db)
        for v, (field, plain) in zip(values.values(), fields, strict=True)
    ]
    return sql, [*params, obj.pk]


def insert(*objs: Model, skip_conflicts_on: str = "", keep_pk: bool = False) -> None:
    """Insert instances of one model without reading their ids back: now, or at the block's end (rows
    whose `skip_conflicts_on` column repeats one already stored are skipped; with `keep_pk`, the ids
    the instances already hold are written)."""
    if objs:
        shape, fields = _insert_shape(type(objs[0]), connection.vendor, skip_conflicts_on, keep_pk)
        _queue(_inserting(shape, _values(objs, fields), len(objs)))
        for obj in objs:
            # written (or queued): saving it again must not insert it twice
            obj._state.adding, obj._state.db = False, connection.alias


def flush() -> None:
    """Send what the block has queued so far, so that what follows reads it."""
    queued = _pending.queued
    if not queued:
        return
    _run(_standing(queued))


def _standing(queued: list[_Queued]) -> list[_Queued]:
    """The queue without what rolled-back savepoints dropped, neighbouring INSERTs joined; emptied."""
    kept = {id(registered[1]) for registered in connection.run_on_commit}
    standing = _joined([q for q in queued if id(q) in kept])
    queued.clear()
    return standing


@contextmanager
def collecting(*, ends_transaction: bool = False) -> Iterator[None]:
    """Queue the block's `execute()` and `insert()` writes and send them together when it ends without
    an error. Only inside a transaction; a nested block joins the outermost one. `ends_transaction`:
    the caller commits as soon as the block ends (audit.atomic), so where this block's transaction is
    the outermost one, PostgreSQL's COMMIT is sent with the queue."""
    if not connection.in_atomic_block:
        raise RuntimeError("batch.collecting() 只能在事务中使用")
    if _pending.queued is not None:
        yield
        return
    _pending.queued = []
    try:
        yield
        standing = _standing(_pending.queued)
        commit = (
            ends_transaction
            and bool(standing)
            and connection.vendor == "postgresql"
            and len(connection.atomic_blocks) == 1
            and connection.commit_on_exit
            and not connection.needs_rollback
        )
        _run(standing, commit=commit)
    finally:
        _pending.queued = None
