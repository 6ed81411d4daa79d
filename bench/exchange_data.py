"""Cases and their outbox events for bench/exchange.py, written by PostgreSQL itself (INSERT … SELECT over
generate_series, as bench/cases_province.py writes a province's month).

A case is filed, accepted and — 95.1% of them, the 即办件 — concluded on the spot: its timeline has the
submit, accept and conclude steps (the 过程 rows) and it owes 受理, 过程 and 结果 rows; the 承诺件 stay in
hand. Each case brings one `case.accepted` event; later, about one in five concluded cases is evaluated
(`evaluation.received`: a 好差评 row, and the 结果 row's 满意度 changes), so a day has 1.2 case events per
case, the issue's ratio (11 million cases a month × 1.2 events ÷ 30 = 400,000 events a day).

Applicants are 1,000 invented people whose ID numbers and phones are sealed as the model seals them (the
rows read them back through the ORM), chosen at random per case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

IMMEDIATE_SHARE = 0.951
EVALUATED_SHARE = 0.2 / IMMEDIATE_SHARE  # of concluded cases: 0.2 evaluation events per case
PEOPLE = 1000

CASES = """
INSERT INTO cases_case (number, query_code, item_id, version_id, organisation_id, window_id, channel, state,
    lock_version, applicant_kind, applicant_name, id_number, uscc, legal_representative, phone, address,
    id_number_index, phone_index, submitted_at, accepted_at, promised_due, legal_due, due_provisional,
    paused_workdays, step, step_index, concluded_at, result, result_reason, certificate_no, delivered_at,
    delivery_method, tracking_no, business_type, idempotency_key)
SELECT o.impl_code || to_char(a.acc AT TIME ZONE %(tz)s, 'YYYYMMDD') || lpad((%(serial)s + g.n)::text, 8, '0'),
    lpad(floor(g.r3 * 1000000)::int::text, 6, '0'), o.item_id, o.version_id, o.organisation_id, o.window_id,
    CASE WHEN g.r4 < 0.85 THEN 'window' ELSE 'online' END,
    CASE WHEN o.immediate THEN 'concluded' ELSE 'handling' END, 2, 'person', p.name, p.id_number, '', '',
    p.phone, '', p.id_index, p.phone_index, a.acc - %(filed)s * interval '1 second', a.acc, a.due, a.due, false, 0,
    CASE WHEN o.immediate THEN '办结' ELSE '审查' END, 0,
    CASE WHEN o.immediate THEN a.acc END, CASE WHEN o.immediate THEN 'issued' ELSE '' END, '',
    CASE WHEN o.immediate THEN 'ZZ' || (%(serial)s + g.n) ELSE '' END, NULL, '', '', '', NULL
FROM (
    SELECT n, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
    FROM generate_series(1, %(count)s) AS n
) AS g
JOIN bench_offers AS o ON o.k = CASE WHEN g.r1 < %(share)s THEN floor(g.r2 * %(immediate)s)::int
    ELSE %(immediate)s + floor(g.r2 * %(promised)s)::int END
JOIN bench_people AS p ON p.k = floor(g.r5 * %(people)s)::int
CROSS JOIN LATERAL (
    SELECT %(start)s::timestamptz + (g.n - 1) * %(step)s * interval '1 second' AS acc,
        %(start)s::timestamptz + (g.n - 1) * %(step)s * interval '1 second'
            + o.promised_days * interval '1.4 days' AS due
) AS a
"""

TIMELINE = """
INSERT INTO cases_caseevent (case_id, at, action, label, state, by_id, note, data)
SELECT c.id, s.at, s.action, s.label, s.state, NULL, '', '{}'
FROM cases_case AS c CROSS JOIN LATERAL (VALUES
    (c.submitted_at, 'submit', '申报', 'submitted'),
    (c.accepted_at, 'accept', '受理', 'handling'),
    (c.concluded_at, 'conclude', '办结', 'concluded')
) AS s (at, action, label, state)
WHERE c.id > %(after)s AND s.at IS NOT NULL
"""

ACCEPTED = """
INSERT INTO core_outboxmessage (name, payload, key, status, attempts, available_at, created_at, last_error)
SELECT 'case.accepted', jsonb_build_object('case', c.id, 'number', c.number, 'state', 'handling'),
    'case.accepted:' || c.id, 'pending', 0, c.accepted_at, c.accepted_at, ''
FROM cases_case AS c WHERE c.id > %(after)s
"""

EVALUATIONS = """
INSERT INTO cases_evaluation (case_id, level, channel, indicators, comment, at, organisation_id, window_id)
SELECT c.id, CASE WHEN random() < 0.8 THEN 5 ELSE 4 END, c.channel, '{}', '', %(at)s, c.organisation_id,
    c.window_id
FROM cases_case AS c
WHERE c.id > %(after)s AND c.id <= %(through)s AND c.concluded_at IS NOT NULL AND random() < %(share)s
"""

EVALUATED = """
INSERT INTO core_outboxmessage (name, payload, key, status, attempts, available_at, created_at, last_error)
SELECT 'evaluation.received',
    jsonb_build_object('evaluation', e.id, 'case', c.id, 'number', c.number, 'level', e.level),
    'evaluation.received:' || e.id, 'pending', 0, e.at, e.at, ''
FROM cases_evaluation AS e JOIN cases_case AS c ON c.id = e.case_id WHERE e.id > %(after)s
"""


@dataclass
class Batch:
    """The cases one call wrote: ids after `after` through `through`, and their events."""

    after: int
    through: int
    cases: int
    events: int


@dataclass(frozen=True)
class Offers:
    immediate: int
    promised: int


def prepare(rng: random.Random) -> Offers:
    """Temporary tables of the items on offer (即办件 first) and of the invented applicants."""
    from yimen.cases.models import Case
    from yimen.core import crypto
    from yimen.demo import cases as demo

    immediate, promised = demo.current_offers()
    id_field, phone_field = Case._meta.get_field("id_number"), Case._meta.get_field("phone")
    people = []
    for k in range(PEOPLE):
        name, id_number = demo.invented_person(rng)
        phone = f"13{rng.randrange(10**9):09d}"
        people.append((k, name, id_field.get_prep_value(id_number), phone_field.get_prep_value(phone),
                       crypto.blind_index(id_number, "id_number"), crypto.blind_index(phone, "phone")))  # fmt: skip
    offers = [
        (k, o.item_id, o.impl_code, o.version.pk, o.organisation_id, o.window_id, k < len(immediate),
         int(o.version.promised_limit or 0))
        for k, o in enumerate([*immediate, *promised])
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_offers, bench_people")
        cursor.execute(
            "CREATE TEMP TABLE bench_offers (k integer PRIMARY KEY, item_id integer, impl_code text,"
            " version_id integer, organisation_id integer, window_id integer, immediate boolean,"
            " promised_days integer)"
        )
        cursor.executemany("INSERT INTO bench_offers VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", offers)
        cursor.execute(
            "CREATE TEMP TABLE bench_people (k integer PRIMARY KEY, name text, id_number text, phone text,"
            " id_index text, phone_index text)"
        )
        cursor.executemany("INSERT INTO bench_people VALUES (%s, %s, %s, %s, %s, %s)", people)
        cursor.execute("ANALYZE bench_offers")
        cursor.execute("ANALYZE bench_people")
    return Offers(len(immediate), len(promised))


def last_case() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM cases_case")
        return int(cursor.fetchone()[0])


def add_cases(offers: Offers, count: int, start: datetime, seconds: float, *, filed: float) -> Batch:
    """`count` cases accepted one after another from `start`, `seconds` apart, each filed `filed` seconds
    before, with their timelines and their `case.accepted` events (due at the acceptance)."""
    after = last_case()
    with connection.cursor() as cursor:
        cursor.execute(
            CASES,
            {"count": count, "serial": after, "tz": "Asia/Shanghai", "share": IMMEDIATE_SHARE,
             "immediate": offers.immediate, "promised": offers.promised, "people": PEOPLE, "start": start, "step": seconds, "filed": filed},
        )  # fmt: skip
        cursor.execute(TIMELINE, {"after": after})
        cursor.execute(ACCEPTED, {"after": after})
        events = cursor.rowcount
    return Batch(after, last_case(), count, events)


def evaluate(batch: Batch, at: datetime) -> int:
    """About one in five of the batch's concluded cases evaluated at `at`, each with its event: how many."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM cases_evaluation")
        after = int(cursor.fetchone()[0])
        cursor.execute(
            EVALUATIONS, {"after": batch.after, "through": batch.through, "share": EVALUATED_SHARE, "at": at}
        )
        cursor.execute(EVALUATED, {"after": after})
        return int(cursor.rowcount)
