"""The daily reconciliation: what should have reached each target (from the records themselves) against
what the target accepted. A row that was never queued, or whose delivery went missing, is queued again;
every row not accepted is listed as a gap with its state, for the office's page."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from yimen.exchange.models import Delivery, Kind, Reconciliation, Record, Status, Target
from yimen.exchange.rows import groups_of_day
from yimen.exchange.sync import fan_out, sync, takes

GAP_LIMIT = 500  # gaps kept per target and day; the count is always whole


def reconcile_day(day: date, *, targets: list[Target] | None = None) -> list[Reconciliation]:
    targets = list(Target.objects.filter(active=True)) if targets is None else targets
    expected: dict[int, int] = defaultdict(int)
    accepted: dict[int, int] = defaultdict(int)
    gaps: dict[int, list[dict[str, str]]] = defaultdict(list)
    requeued: dict[int, int] = defaultdict(int)
    now = timezone.now()
    for group, rows in groups_of_day(day):
        for revision in sync(group, rows, targets=targets):  # whatever was never recorded is queued now
            for target in targets:
                if takes(target, revision.record.kind, revision.record.organisation_id):
                    requeued[target.pk] += 1
        records = {(r.kind, r.source): r for r in Record.objects.filter(group=group, deleted=False)}
        latest = {
            (d.target_id, d.record_id): d
            for d in Delivery.objects.filter(record__in=records.values())
            .exclude(status=Status.SUPERSEDED)
            .select_related("revision")
            .order_by("revision__version", "id")
        }
        for row in rows:
            record = records.get((row.kind, row.source))
            for target in targets:
                if not takes(target, row.kind, row.organisation):
                    continue
                expected[target.pk] += 1
                delivery = latest.get((target.pk, record.pk)) if record else None
                if (
                    record is not None
                    and delivery is not None
                    and delivery.status == Status.ACCEPTED
                    and delivery.revision.version == record.version
                ):
                    accepted[target.pk] += 1
                    continue
                if record is not None and (delivery is None or delivery.revision.version < record.version):
                    _requeue(record, target, now=now)
                    requeued[target.pk] += 1
                state = Status(delivery.status).label if delivery else "未推送（已补推）"
                if len(gaps[target.pk]) < GAP_LIMIT:
                    gaps[target.pk].append(
                        {"kind": Kind(row.kind).label, "source": row.source, "status": state}
                    )
    results = []
    for target in targets:
        with transaction.atomic():
            result, _ = Reconciliation.objects.update_or_create(
                target=target,
                day=day,
                defaults={
                    "expected": expected[target.pk],
                    "accepted": accepted[target.pk],
                    "gaps": gaps[target.pk],
                    "requeued": requeued[target.pk],
                    "created_at": now,
                },
            )
        results.append(result)
    return results


def _requeue(record: Record, target: Target, *, now: datetime) -> None:
    """A record whose latest version has no delivery to the target (lost): owed again."""
    revision = record.revisions.order_by("-version").first()
    if revision is not None:
        fan_out([revision], [target], now=now)


def yesterday() -> date:
    return timezone.localdate() - timedelta(days=1)
