"""电子监察's daily digest for supervisors: each organisation's red and yellow cards, as an event."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from yimen.cases.events import SUPERVISION_DIGEST, OrganisationCards, SupervisionDigest
from yimen.cases.queries.supervision import Scope, by_organisation, midnight
from yimen.core import batch, events
from yimen.core.models import OutboxMessage


@batch.atomic
def emit_digest(*, now: datetime) -> OutboxMessage:
    """The daily 电子监察 digest for supervisors: each organisation's red and yellow counts, one event a
    day (running it twice the same day changes nothing)."""
    today = timezone.localdate(now)
    rows = by_organisation(Scope(now=now, late_since=midnight(today - timedelta(days=1))))
    payload = SupervisionDigest(
        date=today,
        organisations=tuple(OrganisationCards(**row) for row in rows),
        red=sum(r["red"] for r in rows),
        yellow=sum(r["yellow"] for r in rows),
    )
    return events.emit(SUPERVISION_DIGEST, payload, key=f"{SUPERVISION_DIGEST.name}:{today.isoformat()}")
