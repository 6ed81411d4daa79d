"""Data exchange subscribes to the catalogue: every change of a case, an item, a certificate or an
evaluation re-reads its source and owes the targets what changed (sync.sync). Idempotent: a message
delivered twice finds nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from yimen.cases import events as case_events
from yimen.catalog import events as catalog_events
from yimen.certificates import events as certificate_events
from yimen.core import events
from yimen.exchange import reconcile, rows, sync
from yimen.exchange.events import RECONCILE_DUE


@events.handles(
    case_events.SUBMITTED,
    case_events.ACCEPTED,
    case_events.REFUSED,
    case_events.SUPPLEMENT_REQUESTED,
    case_events.WITHDRAWN,
    case_events.CONCLUDED,
    case_events.DELIVERED,
    case_events.UPDATED,
    case_events.EVALUATION_RECEIVED,
)
def sync_case(message: events.Message[Any]) -> None:
    case_id = message.payload.case
    sync.sync(rows.case_group(case_id), rows.rows_of_case(case_id))


@events.handles(catalog_events.ITEM_PUBLISHED, catalog_events.ITEM_RETIRED)
def sync_item(message: events.Message[Any]) -> None:
    code = message.payload.impl_code
    sync.sync(rows.item_group(code), rows.rows_of_item(code))


@events.handles(certificate_events.ISSUED, certificate_events.STATE_CHANGED)
def sync_certificate(message: events.Message[certificate_events.CertificateStep]) -> None:
    certificate = message.payload.certificate
    sync.sync(rows.certificate_group(certificate), rows.rows_of_certificate(certificate))


@events.handles(RECONCILE_DUE)
def reconcile_yesterday(message: events.Message[events.Day]) -> None:
    reconcile.reconcile_day(message.payload.day - timedelta(days=1))
