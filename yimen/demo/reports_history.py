"""The demo centre's 2018, the year the seed reports: its cases, publications and disclosure requests, so the
demo's 2018 report (in the seed's format) is counted from records like any other year.

The other apps' demos cover the years ending today; this adds 2018 with their own generators where they
have one — the cases demo's rows (`demo.cases`: 95.1% 即办件, the scale's number of cases) and publishing's
texts (`demo.publishing_text`) — and the seed's 165 requests, all answered within the 2008 regulation's
15 working days (第二十四条), none refused, no fees and no appeals, as the seed says.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from yimen.cases.models import Case
from yimen.core import calendar
from yimen.demo import cases as cases_demo
from yimen.demo.org import GIVEN, SURNAMES
from yimen.demo.publishing_text import Writer
from yimen.disclosure.models import (
    ApplicantType,
    Channel,
    DeliveryMethod,
    DisclosureRequest,
    FormWanted,
    Outcome,
    RequestState,
)
from yimen.disclosure.services.intake import query_code, request_number
from yimen.org.models import Organisation, Staff
from yimen.publishing import content
from yimen.publishing.index_numbers import format_number, organisation_code
from yimen.publishing.models import IndexCounter, Publication, PublicationState
from yimen.publishing.sanitize import text_of
from yimen.publishing.services import catalogue

YEAR = 2018
PUBLICATIONS = 1683  # “2018年公开发布各类信息1683条”
REQUESTS = 165  # “申请公开政府信息165件，均已按期回复”
REPLY_LIMIT = 15  # 2008 条例第二十四条: 15 working days


def _workdays() -> list[date]:
    first = date(YEAR, 1, 1)
    days = (first + timedelta(days=i) for i in range(365))
    return [d for d in days if calendar.is_workday(d)]


def _moment(rng: random.Random, day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(8, 30)) + timedelta(minutes=rng.randrange(540)))


def cases(total: int, rng: random.Random) -> int:
    """The hall's 2018 cases, written by the cases demo's own row generator."""
    immediate, promised = cases_demo.current_offers()
    if not immediate or not promised:
        return 0
    people = cases_demo.invented_people(rng, min(total, cases_demo.PEOPLE))
    next_id = (Case.objects.aggregate(n=Max("id"))["n"] or 0) + 1
    now = timezone.now()
    serials: Counter[str] = Counter()
    batch: list[cases_demo.Row] = []
    written = 0
    r = rng.random
    for stamp, accepted_at in cases_demo.working_moments(rng, date(YEAR, 1, 1), date(YEAR, 12, 31), total):
        offers = immediate if r() < cases_demo.IMMEDIATE_SHARE else promised
        offer = offers[int(r() * len(offers))]
        serials[f"{offer.impl_code}:{stamp}"] += 1
        person = people[int(r() * len(people))]
        serial = serials[f"{offer.impl_code}:{stamp}"]
        batch.append(
            cases_demo.case_row(rng, next_id + written, offer, person, stamp, accepted_at, serial, now)
        )
        written += 1
        if len(batch) >= cases_demo.BATCH:
            cases_demo.insert_rows(Case, cases_demo.CASE_COLUMNS, batch)
            batch = []
    cases_demo.insert_rows(Case, cases_demo.CASE_COLUMNS, batch)
    with connection.cursor() as cursor:  # ids were given explicitly: move the sequence past them
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case]):
            cursor.execute(sql)
    return written


def publications(centre: Organisation, officer: Staff | None, rng: random.Random) -> int:
    """1,683 news items and notices published within their 20 working days (条例第二十六条)."""
    nodes = {n.code: n for n in catalogue.ensure_catalogue(organisation=centre)}
    writer = Writer(rng, centre.name, centre.short_name or centre.name)
    code = organisation_code(centre)
    rows = []
    for serial, day in enumerate(sorted(rng.choices(_workdays(), k=PUBLICATIONS)), start=1):
        text = writer.news(day) if rng.random() < 0.75 else writer.notice(day)
        published = calendar.add_workdays(day, rng.choice((0, 1, 1, 2, 3, 5))).date
        body_text = text_of(text.body)
        rows.append(
            Publication(
                organisation=centre,
                node=nodes[text.node],
                index_number=format_number(code, YEAR, serial),
                index_year=YEAR,
                index_serial=serial,
                title=text.title[:300],
                kind=text.kind,
                topic=text.topic,
                genre=text.genre,
                keywords=text.keywords[:200],
                body=text.body,
                body_text=body_text,
                summary=body_text.replace("\n", " ")[: content.SUMMARY_LENGTH],
                written_on=day,
                due_on=content.due_on(day),
                published_at=_moment(rng, min(published, date(YEAR, 12, 31))),
                state=PublicationState.PUBLISHED,
                created_by=officer,
                created_at=_moment(rng, day),
            )
        )
    Publication.objects.bulk_create(rows, batch_size=1000)
    counter, _ = IndexCounter.objects.get_or_create(organisation=centre, year=YEAR)
    IndexCounter.objects.filter(pk=counter.pk, last__lt=PUBLICATIONS).update(last=PUBLICATIONS)
    return len(rows)


def requests(centre: Organisation, officer: Staff | None, rng: random.Random) -> int:
    """165 requests, each answered 予以公开 within 15 working days of receipt."""
    rows = []
    for day in sorted(rng.sample(_workdays()[:-12], REQUESTS)):
        answered = calendar.add_workdays(day, rng.randint(2, 12)).date
        natural = rng.random() < 0.85
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        rows.append(
            DisclosureRequest(
                number=request_number(centre, day),
                query_code=query_code(),
                organisation=centre,
                state=RequestState.CLOSED,
                outcome=Outcome.DISCLOSED,
                applicant_type=ApplicantType.NATURAL if natural else ApplicantType.BUSINESS,
                applicant_name=name
                if natural
                else f"咸宁市{rng.choice(GIVEN)}{rng.choice(GIVEN)}商贸有限公司",
                phone=f"13{rng.randrange(10**9):09d}",
                description=rng.choice(
                    (
                        "本人不动产登记办理进度及相关材料",
                        "2018年行政审批事项办理时限",
                        "窗口单位进驻名单及监督电话",
                    )
                ),
                form_wanted=FormWanted.ELECTRONIC,
                delivery_method=DeliveryMethod.EMAIL,
                channel=rng.choice((Channel.ONLINE, Channel.IN_PERSON)),
                submitted_on=day,
                received_on=day,
                rules="2008",
                clock_start_on=day,
                due_on=calendar.add_workdays(day, REPLY_LIMIT).date,
                replied_on=answered,
                closed_on=answered,
                delivered_on=answered,
                created_by=officer,
                created_at=_moment(rng, day),
            )
        )
    DisclosureRequest.objects.bulk_create(rows)
    return len(rows)


def load_2018(centre: Organisation, scale: str, count: int | None = None) -> str:
    """The centre's 2018, once (nothing is added when the centre already has records of 2018)."""
    if DisclosureRequest.objects.filter(organisation=centre, received_on__year=YEAR).exists():
        return "2018年数据已存在"
    rng = random.Random(2018)
    officer = Staff.objects.filter(username="officer").first()
    with transaction.atomic():
        published = publications(centre, officer, rng)
        answered = requests(centre, officer, rng)
        written = cases(count or cases_demo.SCALES[scale], rng)
    return f"2018年：{written} 件办件、{published} 条主动公开信息、{answered} 件依申请公开"
