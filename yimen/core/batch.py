"""Writes a service never reads back, sent to the database together just before its transaction ends.

A step of a case writes the case, its timeline entry, two outbox rows and an audit entry. Sent one
by one that is a round trip to the database each, and at a busy centre the round trips, not the work,
set how many steps an hour the database takes. Inside `collecting()` (which `atomic`, the one
transaction decorator of every service, opens) such writes are queued and sent when the block ends: on
PostgreSQL as one string of statements (psycopg's client-side binding, Django's default, sends it as
one query; each statement's result is read with `nextset()`), on SQLite, which has no round trips, one
after another. Queued INSERTs into one table that follow each other become one INSERT of several rows.
The transaction then commits as usual (`transaction.atomic`): a step is BEGIN, its string and COMMIT.

A guarded write (`execute(..., guard=True)`, an UPDATE of one row whose WHERE names the version the
service read) must change exactly one row, or the block fails with `Stale` and, the error undoing the
transaction, nothing of it is written: optimistic locking without a separate round trip to lock the
row first.

Only writes that nothing in the same transaction reads back belong here. Code that reads what it may
have queued calls `flush()` first. Statements queued inside a savepoint that rolls back are dropped
with it (the block watches its connection's SAVEPOINT statements through Django's `execute_wrapper`);
an error anywhere in the block drops the whole queue with the transaction.

Only public interfaces are used: `transaction.atomic`, `connection.execute_wrapper`, and the cursor's
`execute`, `rowcount` and `nextset`. (A psycopg pipeline, which would carry the BEGIN too, was measured:
its bookkeeping cost the client more than twice the CPU of one string, on a step's four statements.)
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Field, Model

from yimen.core.errors import Stale
from yimen.core.fields import COMPUTED

P = ParamSpec("P")
R = TypeVar("R")
FLUSH_AT = 500  # queued statements sent at once, at most
_AUTO = (models.AutoField, models.BigAutoField, models.SmallAutoField)
_DB_API_ERRORS = (
    "DataError",
    "OperationalError",
    "IntegrityError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
    "InterfaceError",
    "DatabaseError",
)


class _Queued:
    """A statement waiting for the end of the block."""

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


class _Queue:
    """What the outermost `collecting()` block has queued, and where each open savepoint began in it."""

    __slots__ = ("marks", "queued", "resend")

    def __init__(self) -> None:
        self.queued: list[_Queued] = []
        self.marks: dict[str, int] = {}  # savepoint → length of the queue when it was taken
        # savepoint → what was queued before it but sent after it: a rollback to it undoes those in the
        # database, yet they stand, so they are queued again
        self.resend: dict[str, list[_Queued]] = {}

    def watch(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        """Django's execute wrapper: savepoints are statements, so the queue follows them."""
        if sql.startswith("SAVEPOINT "):
            self.marks[sql[10:]] = len(self.queued)
        elif sql.startswith("ROLLBACK TO SAVEPOINT "):
            name = sql[22:]
            if name in self.marks:
                self.queued = [*self.resend.get(name, []), *self.queued[: self.marks[name]]]
                self.marks[name], self.resend[name] = len(self.queued), []
        elif sql.startswith("RELEASE SAVEPOINT "):
            self.marks.pop(sql[18:], None)
            self.resend.pop(sql[18:], None)
        return execute(sql, params, many, context)

    def take(self) -> list[_Queued]:
        """The queue to send now, neighbouring INSERTs joined; emptied."""
        for name, mark in self.marks.items():
            self.resend.setdefault(name, []).extend(self.queued[:mark])
            self.marks[name] = 0
        standing = _joined(self.queued)
        self.queued = []
        return standing


class _Pending(threading.local):
    """This thread's queue inside its outermost `collecting()` block, or None outside one."""

    queue: _Queue | None = None


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


def _run(queued: Sequence[_Queued]) -> None:
    """Send the statements, on PostgreSQL as one string (one round trip). A guarded statement that
    changed no row raises Stale once all are sent; the caller's transaction then undoes them."""
    if not queued:
        return
    changed = []
    with connection.cursor() as cursor:
        if _one_string():
            cursor.execute(";\n".join(q.sql for q in queued), [p for q in queued for p in q.params])
            for q in queued:  # one result per statement, in order
                if q.guard:
                    changed.append(cursor.rowcount)
                cursor.nextset()
        else:
            for q in queued:
                cursor.execute(q.sql, q.params)
                if q.guard:
                    changed.append(cursor.rowcount)
    if any(n != 1 for n in changed):
        raise Stale()


def _one_string() -> bool:
    """PostgreSQL with Django's default client-side parameter binding, which sends several statements
    with their parameters as one query (server-side binding takes one statement at a time)."""
    return connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get(
        "server_side_binding"
    )


def execute(sql: str, params: Sequence[Any] = (), *, guard: bool = False) -> None:
    """Run a statement that returns nothing: now, or at the end of the `collecting()` block. With
    `guard`, an UPDATE that must change exactly one row (or the block fails with Stale)."""
    _queue(_Queued(sql, params, guard))


def _queue(queued: _Queued) -> None:
    queue = _pending.queue
    if queue is None:
        _run([queued])
        return
    queue.queued.append(queued)
    if len(queue.queued) >= FLUSH_AT:  # a bulk service (an import) sends its writes in slices
        flush()


# Fields whose stored value is the attribute itself: Django's preparation (`get_db_prep_save`) would
# hand back the same str or int, at a cost that shows when a step writes five rows. Sealed personal data
# and its blind index (core.fields.COMPUTED) are prepared as Django does.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


def _plain(field: Field[Any, Any]) -> bool:
    return isinstance(field, _PLAIN) and not field.choices and not isinstance(field, COMPUTED)


@functools.cache
def _insert_shape(
    model: type[Model], vendor: str, skip_conflicts_on: str = "", keep_pk: bool = False
) -> tuple[tuple[str, str, str], tuple[tuple[str, Field[Any, Any], bool], ...]]:
    """The INSERT's shape, and per column the attribute to read, its field, and whether a str or int
    value is stored as it is."""
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if keep_pk or not isinstance(f, _AUTO))
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
    tail = f" ON CONFLICT ({quote(skip_conflicts_on)}) DO NOTHING" if skip_conflicts_on else ""
    columns_read = tuple((f.attname, f, _plain(f)) for f in fields)
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


def _stored(obj: Model) -> None:
    """Written (or queued): saving the instance again updates it instead of inserting it twice."""
    obj._state.adding, obj._state.db = False, connection.alias


def insert_now(obj: Model) -> None:
    """Insert one instance at once and set its id from the database (INSERT … RETURNING): what
    `Model.objects.create()` does, with the SQL built once per model."""
    sql, params = insert_statement([obj])
    pk = obj._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {connection.ops.quote_name(pk.column)}", params)
        row = cursor.fetchone()
    assert row is not None
    setattr(obj, pk.attname, row[0])
    _stored(obj)


@functools.cache
def _update_shape(
    model: type[Model], vendor: str, names: tuple[str, ...]
) -> tuple[str, tuple[tuple[Field[Any, Any], bool], ...]]:
    opts, quote = model._meta, connection.ops.quote_name
    fields = [cast("Field[Any, Any]", opts.get_field(name)) for name in names]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    assert opts.pk is not None
    table, key = quote(opts.db_table), quote(opts.pk.column)
    prepared = tuple((f, _plain(f)) for f in fields)
    return f"UPDATE {table} SET {assignments} WHERE {key} = %s", prepared  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter


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
            _stored(obj)


def flush() -> None:
    """Send what the block has queued so far, so that what follows reads it."""
    queue = _pending.queue
    if queue is not None and queue.queued:
        _run(queue.take())


@contextmanager
def collecting() -> Iterator[None]:
    """Queue the block's `execute()` and `insert()` writes and send them together when it ends without
    an error. Only inside a transaction; a nested block joins the outermost one."""
    if not connection.in_atomic_block:
        raise RuntimeError("batch.collecting() 只能在事务中使用")
    if _pending.queue is not None:
        yield
        return
    queue = _pending.queue = _Queue()
    try:
        with connection.execute_wrapper(queue.watch):
            yield
            if not transaction.get_rollback():
                _run(queue.take())
    finally:
        _pending.queue = None


def atomic(func: Callable[P, R]) -> Callable[P, R]:
    """The transaction of a service: `transaction.atomic`, its audit entry, outbox events and other
    unread writes (`collecting()`) sent together just before it commits. Every service uses it."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(), collecting():
            return func(*args, **kwargs)

    return wrapper
