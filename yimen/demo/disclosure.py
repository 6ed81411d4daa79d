"""The demo centre's disclosure requests: the seed's 165 a year for the five years ending today.

A realistic mix: mostly natural persons, online and at the counter; mostly 予以公开 and 本机关不掌握;
a few 补正 (some never supplemented), consultations of third parties and agencies, extensions approved
by the head, per-page fees (from 2021), appeals with their results; requests received in late December
answered in January (结转); the latest ones still open, a few of them close to their deadline.

Rows are written in bulk, not through the services (825 requests × their steps would take half a
minute): receipt dates come from `deadlines.receipt_date`, and every stored deadline — clock start,
pauses, extensions, due date, and each event's "deadline after this step" — from `deadlines.apply` and
the clock over the request's own rows, so they are exactly what the services would have stored.
Reply letters are the outcome templates' texts. Names, ID numbers and phones are invented.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from yimen.core import audit
from yimen.demo.disclosure_history import PER_YEAR, REASONS, YEARS, Builder, Plan, working_days
from yimen.disclosure import clock, deadlines
from yimen.disclosure.models import (
    Appeal,
    Channel,
    Clarification,
    Consultation,
    DisclosureRequest,
    EventKind,
    FeeNotice,
    Outcome,
    Reply,
    RequestEvent,
    RequestState,
)
from yimen.disclosure.replies import reply_text
from yimen.disclosure.services import intake
from yimen.org.models import Organisation, Staff
from yimen.org.queries import centre
from yimen.publishing.models import Publication, PublicationState

# --- writing ---------------------------------------------------------------------------------------


def _state(plan: Plan) -> str:
    if plan.outcome in (Outcome.NO_CLARIFICATION, Outcome.FEE_UNPAID) or plan.delivered_on:
        return RequestState.CLOSED
    if plan.replied_on:
        return RequestState.REPLIED
    if plan.clarification and plan.clarification.received_on is None:
        return RequestState.CLARIFYING
    if plan.consultation and plan.consultation.replied_on is None:
        return RequestState.CONSULTING
    if plan.fee and plan.fee.paid_on is None:
        return RequestState.AWAITING_FEE
    started = any(kind == EventKind.STARTED for kind, *_ in plan.events)
    return RequestState.IN_PROGRESS if started else RequestState.REGISTERED


def _number(plans: list[Plan], organisation: Organisation) -> None:
    """申请编号 in receipt order, each year's reserved at once."""
    years: dict[int, list[Plan]] = {}
    for plan in plans:
        years.setdefault(plan.request.received_on.year, []).append(plan)
    for year, of_year in years.items():
        numbers = intake.request_numbers(organisation, year, len(of_year))
        for plan, number in zip(of_year, numbers, strict=True):
            plan.request.number = number


def _finish(plan: Plan, publications: list[Publication], rng: random.Random) -> None:
    r = plan.request
    r.state, r.outcome, r.lock_version = _state(plan), plan.outcome, len(plan.events)
    r.replied_on = r.closed_on = plan.replied_on
    r.delivered_on = plan.delivered_on
    if plan.outcome == Outcome.DISCLOSED and publications and rng.random() < 0.2:
        r.publication = rng.choice(publications)


def _events(plans: list[Plan], officer: Staff | None, head: Staff | None) -> list[RequestEvent]:
    found = []
    for plan in plans:
        online = plan.request.channel == Channel.ONLINE
        for i, (kind, on, note, workdays) in enumerate(sorted(plan.events, key=lambda e: e[1])):
            by = head if kind == EventKind.EXTENDED else officer
            if kind == EventKind.RECEIVED or kind == EventKind.CLARIFICATION_RECEIVED:
                by = None if online else officer
            at = timezone.make_aware(datetime.combine(on, time(9, 0)) + timedelta(minutes=i))
            found.append(
                RequestEvent(
                    request=plan.request, kind=kind, on=on, note=note, workdays=workdays, by=by, at=at
                )
            )
    return found


def _related(plans: list[Plan]) -> None:
    """The 补正, consultations, fee notices and appeals, each pointing at its saved request."""
    managers: list[tuple[Any, str]] = [
        (Clarification.objects, "clarification"),
        (Consultation.objects, "consultation"),
        (FeeNotice.objects, "fee"),
        (Appeal.objects, "appeal"),
    ]
    for manager, name in managers:
        rows = [(plan.request, getattr(plan, name)) for plan in plans if getattr(plan, name) is not None]
        for request, row in rows:
            row.request = request
        manager.bulk_create([row for _, row in rows])


def _clocks(plans: list[Plan], events: list[RequestEvent]) -> None:
    """Each request's stored clock by deadlines.apply, and each event's deadline after it by the clock
    over the facts up to its date — what the services store step by step. The facts are read once per
    request for both."""
    by_request: dict[int, list[RequestEvent]] = {}
    for event in events:
        by_request.setdefault(event.request_id, []).append(event)
    requests = (
        DisclosureRequest.objects.filter(pk__in=[plan.request.pk for plan in plans])
        .select_related("fee_notice")
        .prefetch_related("clarifications", "consultations")
    )
    fields: list[str] = []
    clocks = []
    for request in requests:
        facts = deadlines.facts_of(request)
        fields = deadlines.apply(request, facts=facts)
        for event in by_request.get(request.pk, []):
            up_to = [fact for fact in facts if fact.on <= event.on]
            event.due_after = clock.run(request.received_on, up_to).due().on
        clocks.append(request)
    _update(DisclosureRequest, fields, clocks)
    _update(RequestEvent, ["due_after"], events)


def _update(model: type[models.Model], fields: list[str], rows: list[Any]) -> None:
    """UPDATE … WHERE id = … for every row in one executemany (bulk_update's CASE over 800 rows takes
    seconds on SQLite)."""
    columns = [str(getattr(model._meta.get_field(name), "column", name)) for name in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            [[getattr(row, name) for name in fields] + [row.pk] for row in rows],
        )


def _replies(plans: list[Plan], officer: Staff | None) -> int:
    answered = {plan.request.pk: plan for plan in plans if plan.replied_on}
    requests = (
        DisclosureRequest.objects.filter(pk__in=list(answered))
        .select_related("organisation__parent", "fee_notice", "publication")
        .prefetch_related("clarifications")
    )
    replies = []
    for request in requests:
        plan = answered[request.pk]
        assert plan.replied_on is not None
        reasons = REASONS.get(Outcome(plan.outcome), "")
        how = ""
        if plan.outcome in (Outcome.DISCLOSED, Outcome.PARTIAL):
            how = (
                "已按申请人要求的形式提供，详见附件。"
                if request.publication is None
                else "该信息已主动公开，可通过门户网站查阅。"
            )
        body = reply_text(request, plan.outcome, reasons=reasons, how_to_obtain=how)
        replies.append(
            Reply(
                request=request,
                outcome=plan.outcome,
                issued_on=plan.replied_on,
                reasons=reasons,
                how_to_obtain=how,
                body=body,
                by=officer,
            )
        )
    Reply.objects.bulk_create(replies, batch_size=500)
    return len(replies)


def load(
    *, scale: str = "small", per_year: int = PER_YEAR, years: int = YEARS, today: date | None = None
) -> str:
    """The centre's requests of the `years` years ending `today` (the scale does not change them: a
    bigger city has more cases, not more disclosure requests)."""
    if DisclosureRequest.objects.exists():
        return "演示依申请公开数据已存在，跳过"
    organisation = centre()
    if organisation is None:
        return "未找到演示机构，跳过"
    today = today or timezone.localdate()
    officer = Staff.objects.filter(username="officer").first()
    head = Staff.objects.filter(username="head").first() or officer
    rng = random.Random(20180165)
    builder = Builder(rng, today, organisation, officer)
    first = today.replace(year=today.year - years) + timedelta(days=1)
    plans = [plan for day in working_days(first, today, per_year * years, rng) if (plan := builder.plan(day))]
    plans.sort(key=lambda plan: (plan.request.received_on, plan.request.submitted_on))
    publications = list(
        Publication.objects.filter(organisation=organisation, state=PublicationState.PUBLISHED)[:50]
    )
    with transaction.atomic():
        _number(plans, organisation)
        for plan in plans:
            _finish(plan, publications, rng)
        DisclosureRequest.objects.bulk_create([plan.request for plan in plans], batch_size=500)
        _related(plans)
        events = RequestEvent.objects.bulk_create(_events(plans, officer, head), batch_size=1000)
        _clocks(plans, events)
        answered = _replies(plans, officer)
        audit.record(
            "disclosure.demo_loaded",
            actor="系统",
            object_type="disclosure.disclosurerequest",
            object_repr="演示依申请公开数据",
            organisation_id=organisation.pk,
            after={"requests": len(plans), "answered": answered, "from": first, "to": today},
        )
    open_now = sum(1 for plan in plans if not plan.replied_on)
    return f"{len(plans)} 件政府信息公开申请（{first:%Y-%m-%d} 至 {today:%Y-%m-%d}），{answered} 件已答复，{open_now} 件办理中"
