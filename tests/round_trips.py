"""What a block sends to the database, statement by statement, and in how many round trips: every
statement on its own is one; statements sent in one psycopg pipeline (PostgreSQL) are one together."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

TRANSACTION = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")


@dataclass
class Sent:
    statements: list[str] = field(default_factory=list)
    pipelined: list[bool] = field(default_factory=list)

    @property
    def round_trips(self) -> int:
        """Statements outside a pipeline, plus one per run of pipelined statements."""
        return sum(1 for i, p in enumerate(self.pipelined) if not p or i == 0 or not self.pipelined[i - 1])


def _in_pipeline(cursor: Any) -> bool:
    if connection.vendor != "postgresql":
        return False
    from psycopg import pq

    return cursor.connection.pgconn.pipeline_status != pq.PipelineStatus.OFF


@contextmanager
def sent() -> Iterator[Sent]:
    """The block's statements (savepoints and transaction control left out) and their round trips."""
    record = Sent()

    def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if not sql.startswith(TRANSACTION):
            record.statements.append(sql)
            record.pipelined.append(_in_pipeline(context["cursor"]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield record
