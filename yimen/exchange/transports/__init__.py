"""How rows travel to a target: one `Transport` per `models.Transport` value.

A transport gets a batch of `Outgoing` rows (the national fields with the bookkeeping added) and answers
one `Outcome` per row: accepted (the target said so), sent (written; the target reports rejections
later, as a 前置库's 汇聚区 does through `feedback`), rejected (with the target's error type and
remark), or retry (with the target's `Retry-After`, if it gave one). It raises `TargetGone` when the
target says it no longer exists (HTTP 410), and any other exception for a failure of the whole batch
(every row is then retried on the schedule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from django.utils.module_loading import import_string

from yimen.exchange.models import Target

PATHS = {
    "frontdb": "yimen.exchange.transports.frontdb.FrontDb",
    "http": "yimen.exchange.transports.http.HttpJson",
    "files": "yimen.exchange.transports.files.BatchFiles",
}


@dataclass(frozen=True)
class Outgoing:
    delivery: int  # the Delivery's id
    message_id: str  # webhook-id: the same for every attempt of this revision, new for a correction
    row_guid: str
    kind: str  # Kind
    table: str  # the target's table name for the kind
    operation: str  # I, U or D
    row: dict[str, Any]  # the mapped fields, bookkeeping included (row_guid, cd_batch, cd_operation …)


@dataclass(frozen=True)
class Outcome:
    delivery: int
    status: Literal["accepted", "sent", "rejected", "retry"]
    err_type: str = ""
    remark: str = ""
    retry_after: float | None = None  # seconds the target asked for (Retry-After)


@dataclass(frozen=True)
class Feedback:
    """A target's later word on a row it received: rejected (dn_audit_abnormal) or accepted."""

    row_guid: str
    cd_batch: str
    accepted: bool
    err_type: str = ""
    remark: str = ""


class TargetGone(Exception):
    """The target says it is gone for good (HTTP 410): it is disabled, its rows kept for later."""


class Transport(Protocol):
    def send(self, target: Target, batch: list[Outgoing]) -> list[Outcome]: ...

    def feedback(self, target: Target) -> list[Feedback]:
        """What the target reported since the last call (advancing `target.feedback_cursor`)."""
        ...


def transport_for(target: Target) -> Transport:
    transport: Transport = import_string(PATHS[target.transport])()
    return transport
