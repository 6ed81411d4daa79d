"""A province-size month for bench/cases.py: about 11 million cases over the 30 days ending today (a
province: about 11 million a month, DESIGN.md), over the demo catalogue, and a year of daily figures
at that rate.

The month is written by PostgreSQL itself, one INSERT … SELECT over generate_series (Python would take
half an hour), into the emptied cases table without its indexes and foreign keys, which are built
afterwards. It is synthetic: 95.1% 即办件 concluded on the spot; 承诺件 due after their promised limit
counted as 1.4 calendar days a working day, concluded after 20–108% of it (a few late) or still open;
one invented applicant. Realistic enough for timing; the statistics are checked against counting the
cases, not against the calendar.

A year of cases at that rate (130 million) does not fit the machine, so the year's earlier eleven
30-day blocks get copies of the month's daily figures (`year_of_figures`): the statistics of a year
then read what a province's year of figures holds, and count the day so far from the cases.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

IMMEDIATE_SHARE = 0.951
DAYS = 30
BLOCKS = 12  # 30-day blocks in the year of figures

INSERT = """
INSERT INTO cases_case (number, query_code, item_id, version_id, organisation_id, window_id, channel, state,
    lock_version, applicant_kind, applicant_name, id_number, uscc, legal_representative, phone, address,
    submitted_at, accepted_at, promised_due, legal_due, due_provisional, paused_workdays, step, step_index,
    concluded_at, result, result_reason, certificate_no, delivered_at, delivery_method, tracking_no, business_type)
SELECT o.impl_code || to_char(a.acc AT TIME ZONE %(tz)s, 'YYYYMMDD') || lpad(g.n::text, 8, '0'),
    lpad(floor(g.r5 * 1000000)::int::text, 6, '0'), o.item_id, o.version_id, o.organisation_id, o.window_id,
    CASE WHEN g.r4 < 0.85 THEN 'window' ELSE 'online' END,
    CASE WHEN f.fin IS NULL THEN 'handling' ELSE 'concluded' END, 2, 'person', '张三', '11010519491231002X',
    '', '', '13812345678', '', a.acc - interval '10 minutes', a.acc, a.due,
    a.acc + (a.due - a.acc) * o.legal_ratio, false, 0, CASE WHEN f.fin IS NULL THEN '审查' ELSE '办结' END, 0,
    f.fin, CASE WHEN f.fin IS NULL THEN '' ELSE 'issued' END, '',
    CASE WHEN f.fin IS NULL THEN '' ELSE 'ZZ' || g.n END, NULL, '', '', ''
FROM (
    SELECT n, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
        random() AS r6, random() AS r7
    FROM generate_series(1, %(count)s) AS n
) AS g
JOIN bench_days AS d ON d.i = floor(g.r3 * %(days)s)::int
JOIN bench_offers AS o ON o.k = CASE WHEN g.r1 < %(share)s THEN floor(g.r2 * %(immediate)s)::int
    ELSE %(immediate)s + floor(g.r2 * %(promised)s)::int END
CROSS JOIN LATERAL (
    SELECT x.acc, x.acc + o.promised_days * interval '1.4 days' AS due
    FROM (SELECT (d.day + time '08:30' + g.r7 * interval '9 hours') AT TIME ZONE %(tz)s AS acc) AS x
) AS a
CROSS JOIN LATERAL (
    SELECT CASE WHEN a.acc + (a.due - a.acc) * (0.2 + g.r6 * 0.88) <= %(now)s
        THEN a.acc + (a.due - a.acc) * (0.2 + g.r6 * 0.88) END AS fin
) AS f
WHERE a.acc <= %(now)s
"""


def _tables(today: date) -> tuple[int, int, int]:
    """Temporary tables of the working days and the items on offer (即办件 first)."""
    from yimen.core import calendar
    from yimen.demo import cases as demo

    immediate, promised = demo.current_offers()
    days = [today - timedelta(days=n) for n in range(DAYS)]
    days = sorted(d for d in days if calendar.is_workday(d))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_days, bench_offers")
        cursor.execute("CREATE TEMP TABLE bench_days (i integer PRIMARY KEY, day date NOT NULL)")
        cursor.executemany("INSERT INTO bench_days VALUES (%s, %s)", list(enumerate(days)))
        cursor.execute(
            "CREATE TEMP TABLE bench_offers (k integer PRIMARY KEY, item_id integer, impl_code text,"
            " version_id integer, organisation_id integer, window_id integer, promised_days integer,"
            " legal_ratio double precision)"
        )
        rows = []
        for k, offer in enumerate([*immediate, *promised]):
            limit = int(offer.version.promised_limit or 0)
            legal = int(offer.version.legal_limit or limit)
            rows.append((k, offer.item_id, offer.impl_code, offer.version.pk, offer.organisation_id,
                         offer.window_id, limit, max(legal, limit) / limit if limit else 1))  # fmt: skip
        cursor.executemany("INSERT INTO bench_offers VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)
        cursor.execute("ANALYZE bench_days")
        cursor.execute("ANALYZE bench_offers")
    return len(days), len(immediate), len(promised)


def generate_month(count: int) -> tuple[int, float]:
    """Empty the cases and write about `count` cases over the 30 days ending now: (cases, seconds)."""
    from yimen.cases.models import Case
    from yimen.core import calendar
    from yimen.demo import cases as demo

    start = time.perf_counter()
    now = timezone.localtime()
    days, immediate, promised = _tables(now.date())
    # Moments later today than now are dropped: draw more, so that about `count` remain.
    office = (now - now.replace(hour=8, minute=30, second=0, microsecond=0)).total_seconds() / (9 * 3600)
    if calendar.is_workday(now.date()):
        count = round(count * days / (days - 1 + min(max(office, 0.0), 1.0)))
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE cases_workorder, cases_evaluation, cases_caseevent, cases_casecounter, cases_case,"
            " cases_dailyfigures, cases_figuresday CASCADE"
        )
        cursor.execute("ALTER TABLE cases_case DROP CONSTRAINT IF EXISTS cases_case_number_key")
    with demo.bulk_mode(True, Case), connection.cursor() as cursor:
        cursor.execute(
            INSERT,
            {"count": count, "now": now, "tz": "Asia/Shanghai", "days": days,
             "share": IMMEDIATE_SHARE, "immediate": immediate, "promised": promised},
        )  # fmt: skip
        written = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE cases_case ADD CONSTRAINT cases_case_number_key UNIQUE (number)")
        cursor.execute("VACUUM ANALYZE cases_case")
    return written, time.perf_counter() - start


def year_of_figures() -> int:
    """Copy the month's complete days' figures into the eleven 30-day blocks before it: rows added."""
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_dailyfigures (day, organisation_id, window_id, item_id, accepted, concluded,"
            " immediate, on_time, early, late, promised, span, paused)"
            " SELECT f.day - %(days)s * b, organisation_id, window_id, item_id, accepted, concluded,"
            " immediate, on_time, early, late, promised, span, paused"
            " FROM cases_dailyfigures AS f, generate_series(1, %(blocks)s - 1) AS b WHERE f.day < %(today)s",
            {"days": DAYS, "blocks": BLOCKS, "today": today},
        )
        added = cursor.rowcount
        cursor.execute(
            "INSERT INTO cases_figuresday (day, through, refreshed_at)"
            " SELECT f.day - %(days)s * b, ((f.day - %(days)s * b + 1)::timestamp AT TIME ZONE %(tz)s), now()"
            " FROM cases_figuresday AS f, generate_series(1, %(blocks)s - 1) AS b WHERE f.day < %(today)s"
            " ON CONFLICT (day) DO NOTHING",
            {"days": DAYS, "blocks": BLOCKS, "today": today, "tz": "Asia/Shanghai"},
        )
        cursor.execute("VACUUM ANALYZE cases_dailyfigures")
        cursor.execute("VACUUM ANALYZE cases_figuresday")
    return added
