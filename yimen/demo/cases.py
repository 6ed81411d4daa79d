"""The demo city's cases: a year of the seed's centre (1,291,351 cases, 95.1% 即办件) at --scale city,
about 20,000 at --scale small, ending today, plus open cases near and past their deadlines.

History is written as plain rows (PostgreSQL COPY, SQLite executemany), not through the services nor
model instances: a year of cases through the services would take hours, and through bulk_create about
13 minutes. The last week's cases get their timelines (CaseEvent) so lookups show progress;
older ones have their dates and results only. Names, ID numbers and phones are invented.
"""

from __future__ import annotations

import queue
import random
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
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
    WorkOrderState,
)
from yimen.catalog.models import ItemVersion, ServiceItem
from yimen.core import audit, calendar, crypto
from yimen.core.fields import SealedCharField
from yimen.core.identity import id_number_check_char
from yimen.demo.org import GIVEN, SURNAMES
from yimen.org.models import Window

SCALES = {"small": 20_000, "city": 1_291_351, "province": 10_000_000}
IMMEDIATE_SHARE = 0.951  # the seed's 窗口即办件率
BATCH = 20_000  # cases per transaction
PEOPLE = 50_000  # distinct applicants
REGIONS = ["421202", "421221", "421222", "421223", "421224", "421281", "420102", "420106", "110105", "440106"]


@dataclass(frozen=True)
class Offer:
    item_id: int
    impl_code: str
    version: ItemVersion
    organisation_id: int
    window_id: int | None


def current_offers() -> tuple[list[Offer], list[Offer]]:
    """What can be applied for now (each item's current version at its organisation's first window),
    split into 即办件 and 承诺件; the reports' and the benchmarks' generated cases choose from these too."""
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


def invented_people(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """The applicants: a pool of invented people, each applying many times in a year."""
    return [invented_person(rng) for _ in range(count)]


def invented_person(rng: random.Random) -> tuple[str, str]:
    """An invented applicant: a name from the organisation demo's lists and a 身份证号 with a valid check
    character, born 1950–2004 in one of REGIONS."""
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return name, first17 + id_number_check_char(first17)


Row = tuple[Any, ...]

# The rows below are written in these column orders; _columns() checks them against the models, so a
# new field fails the demo (and its test) instead of being left to a database default Django never set.
CASE_COLUMNS = (
    "id", "number", "query_code", "item_id", "version_id", "organisation_id", "window_id", "channel",
    "state", "lock_version", "applicant_kind", "applicant_name", "id_number", "uscc",
    "legal_representative", "phone", "address", "id_number_index", "phone_index", "submitted_at", "accepted_at", "promised_due",
    "legal_due", "due_provisional", "paused_workdays", "step", "step_index", "concluded_at", "result",
    "result_reason", "certificate_no", "delivered_at", "delivery_method", "tracking_no", "business_type",
    "idempotency_key",
)  # fmt: skip
EVENT_COLUMNS = ("case_id", "at", "action", "label", "state", "by_id", "note", "data")
EVALUATION_COLUMNS = (
    "id", "case_id", "level", "channel", "indicators", "comment", "at", "organisation_id", "window_id",
)  # fmt: skip
WORK_ORDER_COLUMNS = (
    "evaluation_id", "organisation_id", "owner_id", "state", "opened_at", "due", "due_provisional",
    "findings", "reply", "replied_at", "closed_at",
)  # fmt: skip
# Positions in a case row that the timeline and the evaluations read back.
ID, CHANNEL, ORG, WINDOW = 0, 7, 5, 6
SUBMITTED, ACCEPTED, CONCLUDED, DELIVERED = 19, 20, 27, 31
LEVELS = [5, 4, 3, 2, 1]
LEVEL_WEIGHTS = [80, 94, 98, 99.2, 100]  # cumulative: 80% 非常满意 … 0.8% 非常不满意


def sealed_person(id_number: str, phone: str) -> Row:
    """The applicant's columns id_number … phone_index as the model stores them: the ID number and the
    phone sealed (core/fields.py), no USCC, representative or address, and the blind indexes."""
    id_field, phone_field = Case._meta.get_field("id_number"), Case._meta.get_field("phone")
    assert isinstance(id_field, SealedCharField) and isinstance(phone_field, SealedCharField)
    return (
        id_field.seal(id_number),
        "",
        "",
        phone_field.seal(phone),
        "",
        crypto.blind_index(id_number, "id_number"),
        crypto.blind_index(phone, "phone"),
    )


def _columns(model: type[models.Model], expected: Sequence[str]) -> None:
    columns = [f.column for f in model._meta.concrete_fields]
    if [c for c in columns if c != "id" or expected[0] == "id"] != list(expected):
        raise RuntimeError(f"演示数据的列与 {model.__name__} 模型不一致：{columns}")


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: list[Row]) -> None:
    """Write rows as they are: COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})",  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            [tuple(adapt(v) if isinstance(v, datetime) else v for v in row) for row in rows],
        )


Tables = list[tuple[type[models.Model], Sequence[str], list[Row]]]


class _Writer:
    """Writes each batch in one transaction. On PostgreSQL, outside a transaction, a thread with its own
    connection writes while the next batch is generated: the database and Python each get a core."""

    def __init__(self) -> None:
        self.threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.queue: queue.Queue[Tables | None] = queue.Queue(maxsize=2)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True) if self.threaded else None
        if self.thread:
            self.thread.start()

    @staticmethod
    def _write(tables: Tables) -> None:
        with transaction.atomic():
            for model, columns, rows in tables:
                insert_rows(model, columns, rows)

    def _run(self) -> None:
        try:
            while (tables := self.queue.get()) is not None:
                if self.failure is None:
                    self._write(tables)
        except BaseException as exc:  # handed to the loading thread by put() or finish()
            self.failure = exc
            while self.queue.get() is not None:
                pass
        finally:
            connection.close()

    def put(self, tables: Tables) -> None:
        if self.failure is not None:
            raise self.failure
        if self.thread:
            self.queue.put(tables)
        else:
            self._write(tables)

    def finish(self) -> None:
        if self.thread:
            self.queue.put(None)
            self.thread.join()
        if self.failure is not None:
            raise self.failure


@contextmanager
def bulk_mode(enabled: bool, *tables: type[models.Model]) -> Iterator[None]:
    """PostgreSQL's advice for populating a database: fill the empty tables without their plain indexes
    and foreign keys, then build each once (a foreign key is then checked by one join, not per row)."""
    if not enabled:
        yield
        return
    quote, indexes, keys = connection.ops.quote_name, [], []
    with connection.cursor() as cursor:
        for model in tables:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for name, definition in cursor.fetchall():
                keys.append(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND tablename = %s AND indexname NOT IN"
                " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            for name, definition in cursor.fetchall():
                indexes.append(definition)
                cursor.execute(f"DROP INDEX {quote(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in indexes + keys:
                cursor.execute(sql)


def working_moments(
    rng: random.Random, first: date, last: date, count: int
) -> Iterator[tuple[str, datetime]]:
    """`count` acceptance moments (local time) on working days between first and last, office hours,
    day by day, each with its day as the case number writes it."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    days = [d for d in days if calendar.is_workday(d)]
    per_day = Counter(rng.choices(days, k=count))
    for day in days:
        midnight, stamp = timezone.make_aware(datetime.combine(day, time())), f"{day:%Y%m%d}"
        for _ in range(per_day[day]):
            minutes = 8 * 60 + 30 + int(rng.random() * 540)
            if 12 * 60 <= minutes < 14 * 60 + 30:
                minutes += 150
            seconds = min(minutes // 60, 17) * 3600 + minutes % 60 * 60 + int(rng.random() * 60)
            yield stamp, midnight + timedelta(seconds=seconds)


def case_row(
    rng: random.Random,
    case_id: int,
    offer: Offer,
    applicant: tuple[str, str],
    stamp: str,
    accepted_at: datetime,
    serial: int,
    now: datetime,
) -> Row:
    """One generated case in CASE_COLUMNS order, accepted at `accepted_at` and numbered with `stamp` and
    `serial`: a 即办件 concluded at once; a 承诺件 still handled or concluded by `now` (a few late)."""
    name, id_number = applicant
    r = rng.random
    version = offer.version
    number = f"{offer.impl_code}{stamp}{serial:04d}"
    certificate = f"ZZ{stamp}{serial:05d}"
    channel = Channel.WINDOW if r() < 0.85 else Channel.ONLINE
    head = (case_id, number, f"{int(r() * 10**6):06d}", offer.item_id, version.pk, offer.organisation_id,
            offer.window_id, channel)  # fmt: skip
    person = (
        0,
        ApplicantKind.PERSON,
        name,
        *sealed_person(id_number, f"1{'3578'[int(r() * 4)]}{int(r() * 10**9):09d}"),
    )
    submitted_at = accepted_at - timedelta(minutes=1 + int(r() * 29))
    types = version.business_types or []
    filed = (types[0] if len(types) == 1 else "", None)
    if version.is_immediate:
        return (*head, CaseState.CONCLUDED, *person, submitted_at, accepted_at, accepted_at, accepted_at,
                False, 0, "办结", 0, accepted_at, Result.ISSUED, "", certificate, None, "", "", *filed)  # fmt: skip
    promised = due(accepted_at, version.promised_limit, version.promised_unit)
    legal = due(accepted_at, version.legal_limit, version.legal_unit)
    assert promised.at is not None
    dates = (submitted_at, accepted_at, promised.at, legal.at, promised.provisional, 0)
    finish = accepted_at + (promised.at - accepted_at) * rng.uniform(0.2, 1.08)  # a few finish late
    if finish > now:
        return (*head, CaseState.HANDLING, *person, *dates, "审查", 0, None, "", "", "", None, "", "", *filed)
    state = CaseState.DELIVERED if r() < 0.7 else CaseState.CONCLUDED
    if r() < 0.04:
        result, reason, certificate = Result.DENIED, "申请材料不符合法定条件", ""
    else:
        result, reason = Result.ISSUED, ""
    delivered_at, method, tracking = None, "", ""
    if state == CaseState.DELIVERED:
        delivered_at = finish + timedelta(hours=rng.randrange(2, 72))
        method = rng.choice([DeliveryMethod.PICKUP, DeliveryMethod.COURIER, DeliveryMethod.ELECTRONIC])
        if method == DeliveryMethod.COURIER:
            tracking = f"SF{rng.randrange(10**10):010d}"
    return (*head, state, *person, *dates, "办结", 0, finish, result, reason, certificate, delivered_at, method,
            tracking, *filed)  # fmt: skip


def _timeline(cases: list[Row]) -> list[Row]:
    events: list[Row] = []
    for case in cases:
        events.append((case[ID], case[SUBMITTED], "submit", "申报", CaseState.SUBMITTED, None, "", "{}"))
        events.append((case[ID], case[ACCEPTED], "accept", "受理", CaseState.HANDLING, None, "", "{}"))
        if case[CONCLUDED]:
            events.append(
                (case[ID], case[CONCLUDED], "conclude", "办结", CaseState.CONCLUDED, None, "", "{}")
            )
        if case[DELIVERED]:
            events.append((case[ID], case[DELIVERED], "deliver", "送达", CaseState.DELIVERED, None, "", "{}"))
    return events


def _evaluations(
    rng: random.Random, cases: list[Row], next_id: int, now: datetime
) -> tuple[list[Row], list[Row]]:
    """30% of concluded cases are evaluated; each 差评 gets its work order, closed after 30 days."""
    evaluations: list[Row] = []
    orders: list[Row] = []
    for case in cases:
        if case[CONCLUDED] is None or rng.random() > 0.3:
            continue
        level = rng.choices(LEVELS, cum_weights=LEVEL_WEIGHTS)[0]
        at = case[CONCLUDED] + timedelta(minutes=rng.randrange(1, 600))
        evaluations.append((next_id, case[ID], level, case[CHANNEL], "{}", "", at, case[ORG], case[WINDOW]))
        if level <= Level.DISSATISFIED:
            closed = at < now - timedelta(days=30)
            orders.append((next_id, case[ORG], None, WorkOrderState.CLOSED if closed else WorkOrderState.OPEN,
                           at, at + timedelta(days=21), False, "", "已核实并整改，向申请人致歉。" if closed else "",
                           None, at + timedelta(days=10) if closed else None))  # fmt: skip
        next_id += 1
    return evaluations, orders


def load(*, scale: str = "small", count: int | None = None) -> str:
    if Case.objects.exists():
        return "演示办件已存在，跳过"
    immediate, promised = current_offers()
    if not immediate or not promised:
        return "没有可办理的事项，跳过"
    for model, columns in ((Case, CASE_COLUMNS), (CaseEvent, EVENT_COLUMNS),
                           (Evaluation, EVALUATION_COLUMNS), (WorkOrder, WORK_ORDER_COLUMNS)):  # fmt: skip
        _columns(model, columns)
    rng = random.Random(1291351)
    total = count or SCALES[scale]
    now = timezone.localtime()
    today = now.date()
    serials: Counter[str] = Counter()
    recent = timezone.make_aware(datetime.combine(today - timedelta(days=7), time()))
    case_id = 1
    evaluation_id = (Evaluation.objects.aggregate(n=Max("id"))["n"] or 0) + 1
    written = events = evaluated = 0
    batch: list[Row] = []

    writer = _Writer()

    def flush() -> None:
        nonlocal batch, written, events, evaluated, evaluation_id
        timeline = _timeline([c for c in batch if c[ACCEPTED] >= recent])
        evaluations, orders = _evaluations(rng, batch, evaluation_id, now)
        writer.put([(Case, CASE_COLUMNS, batch), (CaseEvent, EVENT_COLUMNS, timeline),
                    (Evaluation, EVALUATION_COLUMNS, evaluations), (WorkOrder, WORK_ORDER_COLUMNS, orders)])  # fmt: skip
        written, events, evaluated = (
            written + len(batch),
            events + len(timeline),
            evaluated + len(evaluations),
        )
        evaluation_id += len(evaluations)
        batch = []

    people = invented_people(rng, min(total, PEOPLE))
    r = rng.random
    with bulk_mode(writer.threaded, Case, Evaluation):
        try:
            for stamp, accepted_at in working_moments(rng, today - timedelta(days=364), today, total):
                if accepted_at > now:
                    continue
                offers = immediate if r() < IMMEDIATE_SHARE else promised
                offer = offers[int(r() * len(offers))]
                prefix = f"{offer.impl_code}:{stamp}"
                serials[prefix] += 1
                person = people[int(r() * len(people))]
                batch.append(case_row(rng, case_id, offer, person, stamp, accepted_at, serials[prefix], now))
                case_id += 1
                if len(batch) >= BATCH:
                    flush()
            if batch:
                flush()
        finally:
            writer.finish()
    with connection.cursor() as cursor:  # ids were given explicitly: move the sequences past them
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case, Evaluation]):
            cursor.execute(sql)
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
