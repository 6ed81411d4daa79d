"""When a case is due: 承诺 and 法定 limits counted from acceptance on the working-day calendar.

行政许可法 第四十二条: a licence is decided within its limit from acceptance; 第八十二条: limits are counted
in working days, holidays excluded; 第四十五条: time for 听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审
is not counted. 民法典 第二百零一条: the start day is not counted. A case is due at the end of its last day.
Half a working day (半天): accepted in the morning of a working day, due at the end of that day;
otherwise at noon of the next working day. Hours are counted on the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from yimen.cases.models import Case, CaseState
from yimen.catalog.models import TimeUnit
from yimen.core import calendar

END_OF_DAY = time(23, 59, 59)
NOON = time(12, 0)


@dataclass(frozen=True)
class Pause:
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class Due:
    at: datetime | None
    provisional: bool


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def paused_workdays(pauses: Sequence[Pause]) -> int:
    return sum(calendar.workdays_between(p.start - timedelta(days=1), p.end).workdays for p in pauses)


def due(accepted_at: datetime, limit: Decimal | None, unit: str, pauses: Sequence[Pause] = ()) -> Due:
    """The moment a case accepted at `accepted_at` is due, or None when the law sets no limit."""
    if limit is None:
        return Due(None, False)
    local = timezone.localtime(accepted_at)
    if limit == 0:
        return Due(accepted_at, calendar.is_provisional(local.year))
    if unit == TimeUnit.HOUR:
        paused = sum((p.end - p.start).days + 1 for p in pauses)
        return Due(accepted_at + timedelta(hours=float(limit), days=paused), False)
    if unit == TimeUnit.NATURAL_DAY:
        paused = sum((p.end - p.start).days + 1 for p in pauses)
        return Due(_local(local.date() + timedelta(days=int(limit) + paused), END_OF_DAY), False)
    whole = int(limit)
    half = limit - whole >= Decimal("0.5")
    extra = paused_workdays(pauses)
    start = local.date()
    if half and not (local.time() < NOON and calendar.is_workday(start)):
        day = calendar.add_workdays(start, whole + extra + 1)
        return Due(_local(day.date, NOON), day.provisional)
    day = calendar.add_workdays(start, whole + extra)
    return Due(_local(day.date, END_OF_DAY), day.provisional)


def case_pauses(case: Case) -> list[Pause]:
    today = timezone.localdate()
    return [Pause(p.started_on, p.ended_on or today) for p in case.special_procedures.all()]


def compute_deadlines(case: Case, pauses: Sequence[Pause] | None = None) -> None:
    """Set 承诺办结时间 and 法定办结时间 from acceptance, the pinned guide and the special procedures
    (read from the case unless the caller knows them)."""
    assert case.accepted_at is not None
    version = case.version
    pauses = case_pauses(case) if pauses is None else pauses
    promised = due(case.accepted_at, version.promised_limit, version.promised_unit, pauses)
    legal = due(case.accepted_at, version.legal_limit, version.legal_unit, pauses)
    case.promised_due, case.legal_due = promised.at, legal.at
    case.due_provisional = promised.provisional or legal.provisional


def recompute_open_deadlines(since: date) -> int:
    """After a calendar change: open, accepted cases due on or after `since` get their deadlines again
    (a case due before the first changed day cannot move). Each write names the case's version and
    bumps it, as a step's does: a case a step moved meanwhile is computed again as it now is, and a
    step that read the case before this write runs again on the new deadlines."""
    start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    open_states = [CaseState.HANDLING, CaseState.SPECIAL]
    changed = 0
    for found in (
        Case.objects.filter(state__in=open_states)
        .filter(Q(promised_due__gte=start) | Q(legal_due__gte=start))
        .select_related("version")
        .iterator(chunk_size=500)
    ):
        case: Case | None = found
        while case is not None and case.state in open_states:
            before = (case.promised_due, case.legal_due)
            compute_deadlines(case)
            if (case.promised_due, case.legal_due) == before:
                break
            if Case.objects.filter(pk=case.pk, lock_version=case.lock_version).update(
                promised_due=case.promised_due,
                legal_due=case.legal_due,
                due_provisional=case.due_provisional,
                lock_version=F("lock_version") + 1,
            ):
                changed += 1
                break
            case = Case.objects.select_related("version").filter(pk=case.pk).first()
    return changed
