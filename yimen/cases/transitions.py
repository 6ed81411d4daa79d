"""The cases' state machine and what every step writes besides the case: its timeline event, its outbox
event and the applicant's SMS. The services (services.py) are built from these.

A step is a handful of statements, and at a busy centre thousands of them run an hour, so what does not
change between steps is not read again for each one: the guide version a case pins (published versions
are never edited) keeps its steps and joint organisations on the instance the step was given, and the
centre's name in the SMS is read once a minute. What a step writes and does not read back (the case's
new state, its timeline entry, its outbox events, its audit entry) is queued (`core.batch`) and sent
to the database in one round trip when the service ends.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from yimen.cases.models import Case, CaseEvent, CaseState
from yimen.catalog.models import ItemVersion
from yimen.core import batch, events, notify
from yimen.core.errors import NotPermitted, TransitionError
from yimen.org import queries as org_queries
from yimen.org.models import Staff
from yimen.org.permissions import can

S = CaseState
# (state, action) → next state. Anything else is refused with HTTP 409.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.SUBMITTED, "accept"): S.HANDLING,
    (S.SUBMITTED, "refuse"): S.REFUSED,
    (S.SUBMITTED, "request_supplement"): S.SUPPLEMENT,
    (S.SUPPLEMENT, "supplement_received"): S.SUBMITTED,
    (S.SUBMITTED, "withdraw"): S.WITHDRAWN,
    (S.SUPPLEMENT, "withdraw"): S.WITHDRAWN,
    (S.HANDLING, "withdraw"): S.WITHDRAWN,
    (S.HANDLING, "advance"): S.HANDLING,
    (S.HANDLING, "review"): S.HANDLING,
    (S.HANDLING, "start_special"): S.SPECIAL,
    (S.SPECIAL, "end_special"): S.HANDLING,
    (S.HANDLING, "conclude"): S.CONCLUDED,
    (S.CONCLUDED, "deliver"): S.DELIVERED,
}
LABELS = {
    "submit": "申报",
    "accept": "受理",
    "refuse": "不予受理",
    "request_supplement": "一次性告知补齐补正",
    "supplement_received": "补齐补正材料",
    "withdraw": "撤件",
    "advance": "环节办理",
    "review": "并联审查",
    "start_special": "特别程序开始",
    "end_special": "特别程序结束",
    "conclude": "办结",
    "deliver": "送达",
}
# The role an action needs over the case's organisation (withdrawal is the applicant's own act).
ACTION_PERMISSIONS = {
    "accept": "case.intake",
    "refuse": "case.intake",
    "request_supplement": "case.intake",
    "supplement_received": "case.intake",
    "advance": "case.review",
    "start_special": "case.review",
    "end_special": "case.review",
    "conclude": "case.review",
    "deliver": "case.intake",
}
DEFAULT_STEPS = ("承办", "审核", "批准")
CENTRE_TTL = 60  # seconds the centre's name for SMS is kept in the cache
CENTRE_KEY = "cases:sms-centre"
CENTRE_FALLBACK = "政务服务中心"


# --- reading the case ---------------------------------------------------------------------------


def may_act(by: Staff, action: str, case: Case) -> bool:
    """A role over the case's organisation; or, for intake, the 综合窗口 that took the case (一窗受理)."""
    if can(by, action, case):
        return True
    window = by.window
    return (
        action == "case.intake"
        and window is not None
        and window.is_comprehensive
        and case.window_id == window.pk
    )


_PK = -7_000_000_001  # stands for the case's id in the cached statement's parameters


@functools.cache
def _lock_statement(alias: str) -> tuple[str, list[Any], SQLCompiler, dict[int, Any], list[str]]:
    """SELECT … FOR UPDATE of one case by id, compiled once per database: a step's first statement."""
    compiler = Case.objects.select_for_update(of=("self",)).filter(pk=_PK).query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    names = [column.target.attname for column, _, _ in compiler.select]
    return sql, list(params), compiler, converters, names


def _locked_row(pk: int) -> Case:
    alias = connection.alias
    sql, template, compiler, converters, names = _lock_statement(alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk if p == _PK else p for p in template])
        rows: Iterable[Any] = cursor.fetchall()
    if converters:
        rows = compiler.apply_converters(rows, converters)
    found = list(rows)
    if not found:
        raise Case.DoesNotExist(f"Case {pk} does not exist")
    return Case.from_db(alias, names, found[0])


def locked(case: Case, action: str, by: Staff | None, expected_version: int | None) -> tuple[Case, str]:
    """The case locked for update, the state it moves to, after the role and the state are checked.
    The guide version the caller's instance already holds is kept rather than read again."""
    batch.flush()  # a service called inside another reads what the first one wrote
    version = case.version if Case._meta.get_field("version").is_cached(case) else None
    if version is None:
        fresh = Case.objects.select_for_update(of=("self",)).select_related("version").get(pk=case.pk)
    else:
        fresh = _locked_row(case.pk)
        if version.pk == fresh.version_id:
            fresh.version = version
    if expected_version is not None and fresh.lock_version != expected_version:
        raise TransitionError("办件已被他人更新，请刷新后重试")
    target = TRANSITIONS.get((fresh.state, action))
    if target is None:
        raise TransitionError(f"办件当前为“{fresh.get_state_display()}”，不能{LABELS[action]}")
    needed = ACTION_PERMISSIONS.get(action)
    if needed and by is not None and not may_act(by, needed, fresh):
        # A 即办件 is concluded on the spot by the window that accepted it.
        on_the_spot = (
            action == "conclude" and fresh.version.is_immediate and may_act(by, "case.intake", fresh)
        )
        if not on_the_spot:
            raise NotPermitted("您无权办理该办件")
    return fresh, target


def steps_of(version: ItemVersion) -> tuple[str, ...]:
    """The guide's 办理环节 (or the default three), read once per version instance: a published
    version is never edited."""
    steps: tuple[str, ...] | None = getattr(version, "_yimen_steps", None)
    if steps is None:
        steps = tuple(version.steps.values_list("name", flat=True)) or DEFAULT_STEPS
        version._yimen_steps = steps  # type: ignore[attr-defined]
    return steps


def joint_of(version: ItemVersion) -> tuple[int, ...]:
    """The organisations of its 并联审批, read once per version instance."""
    joint: tuple[int, ...] | None = getattr(version, "_yimen_joint", None)
    if joint is None:
        joint = tuple(version.joint_organisations.values_list("pk", flat=True))
        version._yimen_joint = joint  # type: ignore[attr-defined]
    return joint


# --- writing the step ---------------------------------------------------------------------------


def save(case: Case, target: str, *fields: str) -> None:
    """The case's new state and the named fields in one UPDATE, sent with the step's other writes; the
    row is locked, so the new lock_version is known without reading it back."""
    case.state = target
    case.lock_version += 1
    values = {"state": target, "lock_version": case.lock_version, **{f: getattr(case, f) for f in fields}}
    batch.execute(*batch.update_statement(case, **values))


def event(case: Case, action: str, by: Staff | None, note: str = "", **data: Any) -> CaseEvent:
    """The applicant's timeline entry for this step (written with the step's other writes)."""
    entry = CaseEvent(
        case=case, action=action, label=LABELS[action], state=case.state, by=by, note=note[:500], data=data
    )
    batch.insert(entry)
    return entry


def emit(case: Case, name: str, **payload: Any) -> None:
    events.emit_later(
        f"case.{name}",
        {"case": case.pk, "number": case.number, "state": case.state, **payload},
        key=f"case.{name}:{case.pk}:{case.lock_version}",
    )


def day(moment: datetime | date | None) -> str:
    """A date as an SMS writes it: 2024年10月30日."""
    if moment is None:
        return ""
    local = timezone.localtime(moment).date() if isinstance(moment, datetime) else moment
    return f"{local.year}年{local.month}月{local.day}日"


def centre_name() -> str:
    """The centre's short name (or name) heading every SMS, kept in the shared cache for CENTRE_TTL."""

    def read() -> str:
        centre = org_queries.centre()
        return (centre.short_name or centre.name) if centre else CENTRE_FALLBACK

    return str(cache.get_or_set(CENTRE_KEY, read, CENTRE_TTL))


def sms(case: Case, template: str, **context: str) -> None:
    """The applicant's SMS for this step, queued in the step's transaction (sent by the worker)."""
    notify.queue_sms(
        phone=case.phone,
        template=template,
        context={"centre": centre_name(), "item": case.version.name, "number": case.number, **context},
        key=f"sms:{template}:{case.pk}:{case.lock_version}",
    )
