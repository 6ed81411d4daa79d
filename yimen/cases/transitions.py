"""The cases' state machine and what every step writes besides the case: its timeline event, its outbox
event and the applicant's SMS. The services (services.py) are built from these.

A step is a handful of statements, and at a busy centre thousands of them run an hour, so what does not
change between steps is not read again for each one: the guide version a case pins (published versions
are never edited) keeps its steps and joint organisations on the instance the step was given, and the
centre's name in the SMS is read once a minute. What a step writes and does not read back (the case's
new state, its timeline entry, its outbox events, its audit entry) is queued (`core.batch`) and sent
to the database in one round trip when the service ends.

Steps are optimistic: checked on the case the caller holds (`checked`), written with an UPDATE that
names the version read (`save`), run again on the case as it now is when another step came first
(`step`). Nothing is read or locked before a step writes.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, ParamSpec, cast

from django.db import connection
from django.utils import timezone

from yimen.cases.events import CaseStep
from yimen.cases.models import Case, CaseEvent, CaseState
from yimen.catalog.models import ItemVersion
from yimen.core import batch, events, memo, notify
from yimen.core.errors import NotPermitted, Stale, TransitionError
from yimen.core.workflow import Workflow
from yimen.org import queries as org_queries
from yimen.org.models import Staff
from yimen.org.permissions import can

S = CaseState
CASE = Workflow(
    states=CaseState,
    transitions={
        "accept": ((S.SUBMITTED,), S.HANDLING),
        "refuse": ((S.SUBMITTED,), S.REFUSED),
        "request_supplement": ((S.SUBMITTED,), S.SUPPLEMENT),
        "supplement_received": ((S.SUPPLEMENT,), S.SUBMITTED),
        "withdraw": ((S.SUBMITTED, S.SUPPLEMENT, S.HANDLING), S.WITHDRAWN),
        "advance": ((S.HANDLING,), None),
        "review": ((S.HANDLING,), None),
        "start_special": ((S.HANDLING,), S.SPECIAL),
        "end_special": ((S.SPECIAL,), S.HANDLING),
        "conclude": ((S.HANDLING,), S.CONCLUDED),
        "deliver": ((S.CONCLUDED,), S.DELIVERED),
    },
    labels={
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
    },
    refusal="办件当前为“{state}”，不能{action}",
)
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
CENTRE_TTL = 60  # seconds this process keeps the centre's name for SMS
CENTRE_FALLBACK = "政务服务中心"
STEP_ATTEMPTS = 3  # a step that finds its case changed by another is run again, at most this often
P = ParamSpec("P")


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


def _target(case: Case, action: str, by: Staff | None, expected_version: int | None) -> str:
    if expected_version is not None and case.lock_version != expected_version:
        raise TransitionError("办件已被他人更新，请刷新后重试")
    target = CASE.target(case.state, action)
    needed = ACTION_PERMISSIONS.get(action)
    if needed and by is not None and not may_act(by, needed, case):
        # A 即办件 is concluded on the spot by the window that accepted it.
        on_the_spot = action == "conclude" and case.version.is_immediate and may_act(by, "case.intake", case)
        if not on_the_spot:
            raise NotPermitted("您无权办理该办件")
    return target


def checked(case: Case, action: str, by: Staff | None, expected_version: int | None) -> tuple[Case, str]:
    """A copy of the case for the step to change and the state it moves to, after the role and the state
    are checked. Nothing is locked: the step's UPDATE names the version read (`save`), and if another
    step changed the case first the service runs again on the case as it now is (`step`). A check that
    fails on the caller's instance is made again on the case as it now is (the instance may be old), so
    a refusal always speaks of the current case. The caller's instance is left as it was."""
    try:
        target = _target(case, action, by, expected_version)
    except (TransitionError, NotPermitted):
        case = _as_it_now_is(case)
        target = _target(case, action, by, expected_version)
    return copy.copy(case), target


def _as_it_now_is(case: Case) -> Case:
    """The case read again, keeping the guide version the caller's instance holds (never edited)."""
    version = case.version if Case._meta.get_field("version").is_cached(case) else None
    if version is None:
        return Case.objects.select_related("version").get(pk=case.pk)
    fresh = Case.objects.get(pk=case.pk)
    if fresh.version_id == version.pk:
        fresh.version = version
    return fresh


def step(service: Callable[P, Case]) -> Callable[P, Case]:
    """`batch.atomic` for a service that moves a case (given as `case=`): when another step changed the
    case between the caller's read and this step's write (`Stale`), the step, undone whole, runs again
    on the case as it now is — where it may then be refused, as it would have been had it come second.
    A caller that names the version it showed (`expected_version`) gets 409 instead."""
    atomic = batch.atomic(service)

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> Case:
        for _ in range(STEP_ATTEMPTS - 1):
            try:
                return atomic(*args, **kwargs)
            except Stale:
                kwargs["case"] = _as_it_now_is(cast(Case, kwargs["case"]))
        try:
            return atomic(*args, **kwargs)
        except Stale:
            raise Stale("办件已被他人更新，请刷新后重试") from None

    return run


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
    """The case's new state and the named fields in one UPDATE, sent with the step's other writes and
    guarded by the version the step read: if another step changed the case first, the UPDATE changes
    nothing and the whole step is undone (`Stale`, see `step`)."""
    read = case.lock_version
    case.state = target
    case.lock_version = read + 1
    values = {"state": target, "lock_version": case.lock_version, **{f: getattr(case, f) for f in fields}}
    sql, params = batch.update_statement(case, **values)
    batch.execute(f"{sql} AND {connection.ops.quote_name('lock_version')} = %s", [*params, read], guard=True)


def event(case: Case, action: str, by: Staff | None, note: str = "", **data: Any) -> CaseEvent:
    """The applicant's timeline entry for this step (written with the step's other writes)."""
    entry = CaseEvent(
        case=case,
        action=action,
        label=CASE.labels[action],
        state=case.state,
        by=by,
        note=note[:500],
        data=data,
    )
    batch.insert(entry)
    return entry


def emit(case: Case, event: events.Event[CaseStep], **details: Any) -> None:
    """The step's event (written with the step's other writes): the case, and the step's own details."""
    events.emit_later(
        event,
        event.payload(case=case.pk, number=case.number, state=case.state, **details),
        key=f"{event.name}:{case.pk}:{case.lock_version}",
    )


def updated(case: Case, change: str) -> None:
    """`case.updated` for a change to the case's record that has no event of its own (events.UPDATED)."""
    from yimen.cases.events import UPDATED, CaseUpdated

    events.emit_later(UPDATED, CaseUpdated(case=case.pk, number=case.number, state=case.state, change=change))


def day(moment: datetime | date | None) -> str:
    """A date as an SMS writes it: 2024年10月30日."""
    if moment is None:
        return ""
    local = timezone.localtime(moment).date() if isinstance(moment, datetime) else moment
    return f"{local.year}年{local.month}月{local.day}日"


@memo.kept(seconds=CENTRE_TTL)
def centre_name() -> str:
    """The centre's short name (or name) heading every SMS, read again after CENTRE_TTL seconds."""
    centre = org_queries.centre()
    return (centre.short_name or centre.name) if centre else CENTRE_FALLBACK


def sms(case: Case, template: str, **context: str) -> None:
    """The applicant's SMS for this step, queued in the step's transaction (sent by the worker)."""
    notify.queue_sms(
        phone=case.phone,
        template=template,
        context={"centre": centre_name(), "item": case.version.name, "number": case.number, **context},
        key=f"sms:{template}:{case.pk}:{case.lock_version}",
    )
