"""What a block sends to the database: the statements, and in how many round trips (a string of several
statements, as `core.batch` sends a service's writes on PostgreSQL, is one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

TRANSACTION = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")


@dataclass
class Sent:
    sent: list[str] = field(default_factory=list)  # one entry a round trip

    @property
    def statements(self) -> list[str]:
        return [statement for sql in self.sent for statement in sql.split(";\n")]

    @property
    def round_trips(self) -> int:
        return len(self.sent)


@contextmanager
def sent() -> Iterator[Sent]:
    """The block's statements and round trips, savepoints and transaction control left out."""
    record = Sent()

    def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if not sql.startswith(TRANSACTION):
            record.sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield record
