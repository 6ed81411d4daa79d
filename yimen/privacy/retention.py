"""Retention of applicants' personal data (个人信息保护法 第十九条: 保存期限应当为实现处理目的所必要的最短时间;
第四十七条第一款第二项: 保存期限已届满 → 主动删除), and the legal holds that keep a record past it
(第四十七条第二款; a 复议, a suit, an audit or an investigation that needs the record).

Each kind of record has a period in YIMEN (RETENTION_CASES, _DISCLOSURE_REQUESTS, _RIGHTS_REQUESTS,
_SMS), counted from its end: a case's 办结 (or 不予受理 / 撤件), a disclosure request's 办结, a rights
request's answer, an SMS's creation. The periods are the centre's configuration, not law (see
settings.py). A record ended on day D with a period of N years is past it from the day after D + N years.

`purge` anonymises what is past: cases (cases.services.privacy.anonymise, the one way a case's applicant is
removed, also used on a rights request), disclosure requests and rights requests keep their rows — every
count in the statistics and the annual report stays as it was — but lose the applicant's name, identity
and contact data, and a case its uploaded files; SMS rows are deleted. A record under a hold in force is
skipped, and a disclosure request with a 复议 or suit not yet decided is too. It works in batches, each
its own transaction, and is idempotent: an anonymised record is not touched again. One audit entry per
run gives the counts per kind. The worker runs it once a day (events.RETENTION_DUE, handlers.py); `yimen retention purge
[--dry-run]` runs it by hand.
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from yimen.cases.models import Case, CaseState
from yimen.cases.services import privacy as case_privacy
from yimen.core import audit, batch
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.notify_models import SmsMessage
from yimen.core.people import ERASED_NAME
from yimen.disclosure.models import Appeal, DisclosureRequest
from yimen.disclosure.models import RequestState as DisclosureState
from yimen.disclosure.services import privacy as disclosure_privacy
from yimen.org.models import Staff
from yimen.org.permissions import can
from yimen.privacy.models import LegalHold, RecordKind, RequestState, RightsRequest

HOLD = "retention.hold"
BATCH = 500
REASON_LIMIT = 200
SMS = "sms"  # not a RecordKind: SMS rows are deleted by age and never held
ENDED_CASES = [CaseState.CONCLUDED, CaseState.DELIVERED, CaseState.REFUSED, CaseState.WITHDRAWN]
SETTING = {
    RecordKind.CASE: "RETENTION_CASES",
    RecordKind.DISCLOSURE_REQUEST: "RETENTION_DISCLOSURE_REQUESTS",
    RecordKind.RIGHTS_REQUEST: "RETENTION_RIGHTS_REQUESTS",
    SMS: "RETENTION_SMS",
}
MODEL: dict[str, type[Model]] = {
    RecordKind.CASE: Case,
    RecordKind.DISCLOSURE_REQUEST: DisclosureRequest,
    RecordKind.RIGHTS_REQUEST: RightsRequest,
}


def period(kind: str) -> tuple[int, str]:
    """The configured retention of `kind`: (count, "years" or "days")."""
    conf = settings.YIMEN
    periods = {
        RecordKind.CASE: conf["RETENTION_CASES"],
        RecordKind.DISCLOSURE_REQUEST: conf["RETENTION_DISCLOSURE_REQUESTS"],
        RecordKind.RIGHTS_REQUEST: conf["RETENTION_RIGHTS_REQUESTS"],
        SMS: conf["RETENTION_SMS"],
    }
    count, unit = periods[kind]
    return int(count), str(unit)


def first_kept(kind: str, today: date) -> date:
    """The first end day still kept on `today`: records that ended before it are past their retention.
    A record ended on D is kept through D + period and purged from the day after."""
    count, unit = period(kind)
    if unit == "days":
        return today - timedelta(days=count)
    year = today.year - count
    # 29 February in a year without it: the mark of a record ended on 28 February is the 28th, so it goes
    # from 1 March; taking 1 March here keeps the rule "the day after the mark".
    if today.month == 2 and today.day == 29 and not month_calendar.isleap(year):
        return date(year, 3, 1)
    return today.replace(year=year)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- legal holds ---------------------------------------------------------------------------------------


def _record(kind: str, number: str) -> Any:
    model = MODEL.get(kind)
    if model is None:
        message = "记录类别：请从办件、政府信息公开申请、个人信息权利申请中选择"
        raise ApplicationError(message, fields={"kind": [message]})
    found = model._default_manager.filter(number=number.strip()).first()
    if found is None:
        label = RecordKind(kind).label
        message = f"编号：没有编号为“{number.strip()}”的{label}"
        raise ApplicationError(message, fields={"number": [message]})
    return found


def _reason(text: str, field: str, label: str) -> str:
    text = text.strip()
    if not text:
        message = f"{label}：必填，请写明依据（如诉讼、复议、审计或调查的文号）"
        raise ApplicationError(message, fields={field: [message]})
    if len(text) > REASON_LIMIT:
        message = f"{label}：不能超过{REASON_LIMIT}个字"
        raise ApplicationError(message, fields={field: [message]})
    return text


def holds_in_force(kind: str) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(kind=kind, released_at__isnull=True)


@batch.atomic
def place_hold(*, kind: str, number: str, reason: str, by: Staff) -> LegalHold:
    """Keep one record past its retention until the hold is released; the reason names what needs it."""
    record = _record(kind, number)
    if not can(by, HOLD, record):
        raise NotPermitted("您无权为该机关的记录设置保留")
    text = _reason(reason, "reason", "保留理由")
    if holds_in_force(kind).filter(record_id=record.pk).exists():
        message = f"编号：{record.number} 已在保留中，无需重复设置"
        raise ApplicationError(message, fields={"number": [message]})
    hold = LegalHold.objects.create(
        kind=kind,
        record_id=record.pk,
        number=record.number,
        organisation_id=record.organisation_id,
        reason=text,
        placed_by=by,
    )
    audit.record("retention.hold_placed", hold, actor=by, after={"kind": kind, "reason": text})
    return hold


@batch.atomic
def release_hold(*, hold: LegalHold, reason: str, by: Staff) -> LegalHold:
    """The record returns under its retention: past it, the next purge anonymises it."""
    if not can(by, HOLD, hold):
        raise NotPermitted("您无权解除该机关记录的保留")
    text = _reason(reason, "release_reason", "解除理由")
    released = LegalHold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
        released_at=timezone.now(), released_by=by, release_reason=text
    )
    if released != 1:
        raise TransitionError(f"{hold} 的保留已经解除")
    hold.refresh_from_db()
    audit.record("retention.hold_released", hold, actor=by, after={"kind": hold.kind, "reason": text})
    return hold


# --- the purge -----------------------------------------------------------------------------------------


@dataclass
class KindResult:
    due: int = 0  # past retention and not held: anonymised (deleted for SMS), or would be in a dry run
    held: int = 0  # past retention but kept: a hold in force (or, for a disclosure request, an appeal)
    files: int = 0  # uploaded files removed
    skipped: int = 0  # changed by someone while being anonymised: left for the next run

    def as_dict(self) -> dict[str, int]:
        return {"due": self.due, "held": self.held, "files": self.files, "skipped": self.skipped}


@dataclass
class Purge:
    today: date
    dry_run: bool
    kinds: dict[str, KindResult] = field(default_factory=dict)
    kept_from: dict[str, date] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "today": self.today,
            "dry_run": self.dry_run,
            "kept_from": self.kept_from,
            **{kind: found.as_dict() for kind, found in self.kinds.items()},
        }


def _past(kind: str, today: date) -> tuple[QuerySet[Any], Q]:
    """(the records of `kind` past retention and not yet anonymised, the condition that keeps one)."""
    kept_from = first_kept(kind, today)
    held = Q(pk__in=holds_in_force(kind).values("record_id"))
    if kind == RecordKind.CASE:
        cases = Case.objects.filter(state__in=ENDED_CASES, concluded_at__lt=_start_of(kept_from))
        return cases.exclude(applicant_name=ERASED_NAME), held
    if kind == RecordKind.DISCLOSURE_REQUEST:
        requests = DisclosureRequest.objects.filter(state=DisclosureState.CLOSED, closed_on__lt=kept_from)
        appealed = Q(pk__in=Appeal.objects.filter(result="").values("request_id"))
        return requests.exclude(applicant_name=ERASED_NAME), held | appealed
    rights = RightsRequest.objects.filter(state=RequestState.ANSWERED, answered_at__lt=_start_of(kept_from))
    return rights.exclude(requester_name=ERASED_NAME), held


def _batches(due: QuerySet[Any], size: int) -> Iterator[list[int]]:
    """The ids of `due`, a batch at a time, walking up by id so a record left as it was is not met again."""
    after = 0
    while True:
        ids = list(due.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        after = ids[-1]


def _anonymise_case(case: Case, found: KindResult) -> None:
    try:
        found.files += case_privacy.anonymise(case)
    except TransitionError:  # changed meanwhile: the next run finds it again
        found.skipped += 1
        return
    found.due += 1


def _anonymise_request(request: DisclosureRequest, found: KindResult) -> None:
    disclosure_privacy.anonymise(request)
    found.due += 1


def _anonymise_rights_request(request: RightsRequest, found: KindResult) -> None:
    """The requester's name, phone, ID number and what they wrote go, and the copy they were given; the
    kind, dates, outcome and the organisation's answer stay."""
    RightsRequest.objects.filter(pk=request.pk).update(
        requester_name=ERASED_NAME, phone="", id_number="", phone_tail="", content=ERASED_NAME, export=None
    )
    found.due += 1


ANONYMISE: dict[str, Callable[[Any, KindResult], None]] = {
    RecordKind.CASE: _anonymise_case,
    RecordKind.DISCLOSURE_REQUEST: _anonymise_request,
    RecordKind.RIGHTS_REQUEST: _anonymise_rights_request,
}


@batch.atomic
def _anonymise_batch(kind: str, ids: list[int], today: date, found: KindResult) -> None:
    """One batch in one transaction; the records are read again here, so a hold placed meanwhile is
    obeyed and a record anonymised meanwhile is not counted twice."""
    past, held = _past(kind, today)
    for record in past.filter(pk__in=ids).exclude(held).order_by("pk"):
        ANONYMISE[kind](record, found)


@batch.atomic
def _delete_sms(ids: list[int]) -> int:
    deleted, _ = SmsMessage.objects.filter(pk__in=ids).delete()
    return deleted


@batch.atomic
def _record_run(result: Purge) -> None:
    audit.record(
        "retention.purged",
        actor="保留期限清理",
        object_type="privacy.retention",
        object_repr=f"个人信息保留期限清理 {result.today.isoformat()}",
        after=result.summary(),
    )


def purge(*, today: date | None = None, dry_run: bool = False, batch_size: int = BATCH) -> Purge:
    """Anonymise (or delete) every record past its retention on `today` (default: today), skipping those
    held; a dry run counts them and changes nothing, not even the audit log."""
    today = today or timezone.localdate()
    result = Purge(today=today, dry_run=dry_run)
    for kind in RecordKind.values:
        found = result.kinds[kind] = KindResult()
        result.kept_from[kind] = first_kept(kind, today)
        past, held = _past(kind, today)
        found.held = past.filter(held).count()
        due = past.exclude(held)
        if dry_run:
            found.due = due.count()
            continue
        for ids in _batches(due, batch_size):
            _anonymise_batch(kind, ids, today, found)
    sms = result.kinds[SMS] = KindResult()
    result.kept_from[SMS] = first_kept(SMS, today)
    old_sms = SmsMessage.objects.filter(created_at__lt=_start_of(result.kept_from[SMS]))
    if dry_run:
        sms.due = old_sms.count()
    else:
        for ids in _batches(old_sms, batch_size):
            sms.due += _delete_sms(ids)
        _record_run(result)
    return result
