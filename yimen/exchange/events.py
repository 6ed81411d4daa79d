"""The events of data exchange."""

from __future__ import annotations

from yimen.core.events import Day, define, every_day

RECONCILE_DUE = define(
    "exchange.reconcile_due",
    Day,
    """The daily reconciliation (queued by the worker once a day): yesterday's records compared, for each
    target, with what the target accepted; gaps are listed and what was never queued is queued
    (exchange.reconcile).""",
)
every_day(RECONCILE_DUE)
