"""Writes a service never reads back, sent to the database together just before its transaction ends.

A step of a case writes the case, its timeline entry, two outbox rows and an audit entry. Sent one
by one that is a round trip to the database each, and at a busy centre the round trips, not the work,
set how many steps an hour the database takes. Inside `collecting()` (which `audit.atomic` opens for
every service) such writes are queued and sent as one round trip when the block ends; on PostgreSQL
the statements travel as one multi-statement string (Django's client-side parameter binding), on
SQLite, which has no round trips, they run one after another.

Only writes that nothing in the same transaction reads back belong here. Code that reads what it may
have queued calls `flush()` first (cases' `locked()` does, so a service that calls another sees the
case as the first one left it). Statements queued inside a savepoint that rolls back are dropped with
it; an error anywhere in the block drops the whole queue with the transaction.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Field, Model
from django.db.models.fields import AutoFieldMixin

FLUSH_AT = 500  # queued statements sent at once, at most


class _Queued:
    """A statement waiting for the end of the block.

    It is registered with `transaction.on_commit` as a no-op: Django drops the callbacks registered
    inside a savepoint that rolls back, so the statements still registered when the queue is sent are
    exactly those whose part of the transaction still stands.
    """

    __slots__ = ("params", "sql")

    def __init__(self, sql: str, params: Sequence[Any]) -> None:
        self.sql, self.params = sql, params

    def __call__(self) -> None:
        pass


class _Pending(threading.local):
    """This thread's queue inside its outermost `collecting()` block, or None outside one."""

    queued: list[_Queued] | None = None


_pending = _Pending()


def _run(statements: list[tuple[str, Sequence[Any]]]) -> None:
    if not statements:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            cursor.execute(
                ";\n".join(sql for sql, _ in statements), [p for _, params in statements for p in params]
            )
        else:
            for sql, params in statements:
                cursor.execute(sql, params)


def execute(sql: str, params: Sequence[Any] = ()) -> None:
    """Run a statement that returns nothing: now, or at the end of the `collecting()` block."""
    if _pending.queued is None:
        _run([(sql, params)])
        return
    queued = _Queued(sql, params)
    transaction.on_commit(queued)
    _pending.queued.append(queued)
    if len(_pending.queued) >= FLUSH_AT:  # a bulk service (an import) sends its writes in slices
        flush()


@functools.cache
def _insert_sql(model: type[Model], vendor: str, rows: int) -> tuple[str, tuple[Field[Any, Any], ...]]:
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin))
    row = f"({', '.join(['%s'] * len(fields))})"
    columns = ", ".join(quote(f.column) for f in fields)
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)}", fields


def insert_statement(objs: Sequence[Model]) -> tuple[str, list[Any]]:
    """One INSERT of these instances of one model, their ids left to the database and not read back.
    Values are prepared as Django's own INSERT prepares them (`pre_save`, `get_db_prep_save`); the SQL
    is built once per model and row count."""
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy, whose every attribute is a thread-local lookup
    sql, fields = _insert_sql(type(objs[0]), db.vendor, len(objs))
    return sql, [f.get_db_prep_save(f.pre_save(obj, True), db) for obj in objs for f in fields]


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


def update_statement(obj: Model, **values: Any) -> tuple[str, list[Any]]:
    """UPDATE of the named (non-relation) fields of one row by primary key, prepared as Django prepares
    them."""
    opts, quote = obj._meta, connection.ops.quote_name
    db = connections[DEFAULT_DB_ALIAS]
    fields = [cast("Field[Any, Any]", opts.get_field(name)) for name in values]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    params = [f.get_db_prep_save(v, db) for f, v in zip(fields, values.values(), strict=True)]
    table, key = quote(opts.db_table), quote(opts.pk.column)
    return f"UPDATE {table} SET {assignments} WHERE {key} = %s", [*params, obj.pk]


def insert(*objs: Model) -> None:
    """Insert instances of one model without reading their ids back: now, or at the block's end."""
    if objs:
        execute(*insert_statement(objs))
        for obj in objs:
            obj._state.adding = False  # written (or queued): saving it again must not insert it twice


def flush() -> None:
    """Send what the block has queued so far, so that what follows reads it."""
    queued = _pending.queued
    if not queued:
        return
    kept = {id(registered[1]) for registered in connection.run_on_commit}
    statements = [(q.sql, q.params) for q in queued if id(q) in kept]
    queued.clear()
    _run(statements)


@contextmanager
def collecting() -> Iterator[None]:
    """Queue the block's `execute()` and `insert()` writes and send them together when it ends without
    an error. Only inside a transaction; a nested block joins the outermost one."""
    if not connection.in_atomic_block:
        raise RuntimeError("batch.collecting() 只能在事务中使用")
    if _pending.queued is not None:
        yield
        return
    _pending.queued = []
    try:
        yield
        flush()
    finally:
        _pending.queued = None
