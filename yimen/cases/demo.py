"""The demo city's cases: a year of the seed's centre (1,291,351 cases, 95.1% 即办件) at --scale city,
about 20,000 at --scale small, ending today, plus open cases near and past their deadlines.

History is written with bulk inserts, not through the services: a year of cases through the services
would take hours. The last week's cases get their timelines (CaseEvent) so lookups show progress;
older ones have their dates and results only. Names, ID numbers and phones are invented.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from yimen.cases.deadlines import due
from yimen.cases.models import (
    ApplicantKind,
    Case,
    CaseCounter,
    CaseEvent,
    CaseState,
    Channel,
    DeliveryMethod,
    Evaluation,
    Level,
    Result,
    WorkOrder,
)
from yimen.catalog.models import ItemVersion, ServiceItem
from yimen.core import audit, calendar
from yimen.core.identity import id_number_check_char
from yimen.org.demo import GIVEN, SURNAMES
from yimen.org.models import Window

SCALES = {"small": 20_000, "city": 1_291_351, "province": 10_000_000}
IMMEDIATE_SHARE = 0.951  # the seed's 窗口即办件率
BATCH = 5_000
REGIONS = ["421202", "421221", "421222", "421223", "421224", "421281", "420102", "420106", "110105", "440106"]


@dataclass(frozen=True)
class Offer:
    item_id: int
    impl_code: str
    version: ItemVersion
    organisation_id: int
    window_id: int | None


def _offers() -> tuple[list[Offer], list[Offer]]:
    windows: dict[int, int] = {}
    for window_id, organisation_id in Window.organisations.through.objects.values_list(
        "window_id", "organisation_id"
    ):
        windows.setdefault(organisation_id, window_id)
    immediate: list[Offer] = []
    promised: list[Offer] = []
    for item in ServiceItem.objects.filter(current__isnull=False, retired_at__isnull=True).select_related(
        "current"
    ):
        assert item.current is not None
        offer = Offer(
            item.pk, item.impl_code, item.current, item.organisation_id, windows.get(item.organisation_id)
        )
        (immediate if item.current.is_immediate else promised).append(offer)
    return immediate, promised


def _person(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return name, first17 + id_number_check_char(first17)


def _working_moments(rng: random.Random, first: date, last: date, count: int) -> Iterator[datetime]:
    """`count` acceptance moments on working days between first and last, office hours, in order."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    days = [d for d in days if calendar.is_workday(d)]
    per_day = Counter(rng.choice(days) for _ in range(count))
    for day in days:
        for _ in range(per_day[day]):
            minutes = rng.randrange(8 * 60 + 30, 17 * 60 + 30)
            if 12 * 60 <= minutes < 14 * 60 + 30:
                minutes += 150
            moment = datetime.combine(day, time(min(minutes // 60, 17), minutes % 60, rng.randrange(60)))
            yield timezone.make_aware(moment)


def _case(
    rng: random.Random, offer: Offer, accepted_at: datetime, serials: Counter[str], now: datetime
) -> Case:
    day = timezone.localtime(accepted_at).date()
    prefix = f"{offer.impl_code}:{day:%Y%m%d}"
    serials[prefix] += 1
    name, id_number = _person(rng)
    version = offer.version
    case = Case(
        number=f"{offer.impl_code}{day:%Y%m%d}{serials[prefix]:04d}",
        query_code=f"{rng.randrange(10**6):06d}",
        item_id=offer.item_id,
        version=version,
        organisation_id=offer.organisation_id,
        window_id=offer.window_id,
        channel=Channel.WINDOW if rng.random() < 0.85 else Channel.ONLINE,
        applicant_kind=ApplicantKind.PERSON,
        applicant_name=name,
        id_number=id_number,
        phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
        submitted_at=accepted_at - timedelta(minutes=rng.randrange(1, 30)),
        accepted_at=accepted_at,
        step="办结",
    )
    if version.is_immediate:
        case.promised_due = case.legal_due = case.concluded_at = accepted_at
        case.state, case.result = CaseState.CONCLUDED, Result.ISSUED
        case.certificate_no = f"ZZ{accepted_at:%Y%m%d}{serials[prefix]:05d}"
        return case
    promised = due(accepted_at, version.promised_limit, version.promised_unit)
    legal = due(accepted_at, version.legal_limit, version.legal_unit)
    case.promised_due, case.legal_due, case.due_provisional = promised.at, legal.at, promised.provisional
    assert promised.at is not None
    span = promised.at - accepted_at
    finish = accepted_at + span * rng.uniform(0.2, 1.08)  # a few finish after their promise
    if finish > now:
        case.state, case.step = CaseState.HANDLING, "审查"
        return case
    case.concluded_at = finish
    case.state = CaseState.DELIVERED if rng.random() < 0.7 else CaseState.CONCLUDED
    if rng.random() < 0.04:
        case.result, case.result_reason = Result.DENIED, "申请材料不符合法定条件"
    else:
        case.result, case.certificate_no = Result.ISSUED, f"ZZ{accepted_at:%Y%m%d}{serials[prefix]:05d}"
    if case.state == CaseState.DELIVERED:
        case.delivered_at = finish + timedelta(hours=rng.randrange(2, 72))
        case.delivery_method = rng.choice(
            [DeliveryMethod.PICKUP, DeliveryMethod.COURIER, DeliveryMethod.ELECTRONIC]
        )
        if case.delivery_method == DeliveryMethod.COURIER:
            case.tracking_no = f"SF{rng.randrange(10**10):010d}"
    return case


def _timeline(cases: list[Case]) -> list[CaseEvent]:
    events = []
    for case in cases:
        assert case.accepted_at is not None
        events.append(
            CaseEvent(
                case=case, at=case.submitted_at, action="submit", label="申报", state=CaseState.SUBMITTED
            )
        )
        events.append(
            CaseEvent(case=case, at=case.accepted_at, action="accept", label="受理", state=CaseState.HANDLING)
        )
        if case.concluded_at:
            events.append(
                CaseEvent(
                    case=case,
                    at=case.concluded_at,
                    action="conclude",
                    label="办结",
                    state=CaseState.CONCLUDED,
                )
            )
        if case.delivered_at:
            events.append(
                CaseEvent(
                    case=case, at=case.delivered_at, action="deliver", label="送达", state=CaseState.DELIVERED
                )
            )
    return events


def _evaluations(rng: random.Random, cases: list[Case]) -> tuple[list[Evaluation], list[Evaluation]]:
    evaluations, bad = [], []
    for case in cases:
        if case.concluded_at is None or rng.random() > 0.3:
            continue
        level = rng.choices([5, 4, 3, 2, 1], weights=[80, 14, 4, 1.2, 0.8])[0]
        evaluation = Evaluation(
            case=case,
            level=level,
            channel=case.channel,
            organisation_id=case.organisation_id,
            window_id=case.window_id,
            at=case.concluded_at + timedelta(minutes=rng.randrange(1, 600)),
        )
        evaluations.append(evaluation)
        if level <= Level.DISSATISFIED:
            bad.append(evaluation)
    return evaluations, bad


def load(*, scale: str = "small", count: int | None = None) -> str:
    if Case.objects.exists():
        return "演示办件已存在，跳过"
    immediate, promised = _offers()
    if not immediate or not promised:
        return "没有可办理的事项，跳过"
    rng = random.Random(1291351)
    total = count or SCALES[scale]
    now = timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=364)
    serials: Counter[str] = Counter()
    recent = today - timedelta(days=7)
    written = events = evaluated = 0
    batch: list[Case] = []

    def flush() -> None:
        nonlocal written, events, evaluated
        with transaction.atomic():
            Case.objects.bulk_create(batch, batch_size=1000)
            timeline = _timeline([c for c in batch if timezone.localtime(c.accepted_at).date() >= recent])
            CaseEvent.objects.bulk_create(timeline, batch_size=2000)
            evaluations, bad = _evaluations(rng, batch)
            Evaluation.objects.bulk_create(evaluations, batch_size=2000)
            WorkOrder.objects.bulk_create(
                WorkOrder(
                    evaluation=e,
                    organisation_id=e.organisation_id,
                    opened_at=e.at,
                    due=e.at + timedelta(days=21),
                    state="closed" if e.at < now - timedelta(days=30) else "open",
                    closed_at=e.at + timedelta(days=10) if e.at < now - timedelta(days=30) else None,
                    reply="已核实并整改，向申请人致歉。" if e.at < now - timedelta(days=30) else "",
                )
                for e in bad
            )
        written += len(batch)
        events += len(timeline)
        evaluated += len(evaluations)
        batch.clear()

    for accepted_at in _working_moments(rng, first, today, total):
        if accepted_at > now:
            continue
        offer = rng.choice(immediate) if rng.random() < IMMEDIATE_SHARE else rng.choice(promised)
        batch.append(_case(rng, offer, accepted_at, serials, now))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    CaseCounter.objects.bulk_create(
        [CaseCounter(prefix=p, last=n) for p, n in serials.items() if p.endswith(f"{today:%Y%m%d}")]
    )
    summary = f"{written} 件办件（近一年，即办件约 {IMMEDIATE_SHARE:.1%}），{events} 条近 7 日办理过程，{evaluated} 条评价"
    audit.record(
        "demo.loaded",
        actor="系统",
        object_type="cases.case",
        object_id="*",
        object_repr="演示办件",
        after={"scale": scale, "summary": summary},
    )
    return summary
