"""A step does not lock the case before it writes: it is checked on the case the caller holds and its
UPDATE names the version it read. When another step changed the case in between, nothing of the late
step is written and it runs again on the case as it now is — where it goes on, or is refused as it would
have been had it come second. Exactly-once either way: one event, one audit entry, one SMS per step."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.cases.conftest import file, race
from yimen.cases import transitions
from yimen.cases.models import Case, CaseEvent, Result
from yimen.cases.services import steps
from yimen.core.errors import Stale, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage


def _written(case: Case, action: str, audit_action: str) -> tuple[int, int]:
    events = CaseEvent.objects.filter(case_id=case.pk, action=action).count()
    entries = AuditEntry.objects.filter(object_id=str(case.pk), action=audit_action).count()
    return events, entries


@pytest.mark.django_db
def test_a_step_on_an_old_copy_of_the_case_runs_on_the_case_as_it_now_is(licence, cast) -> None:
    case = steps.accept(case=file(licence, cast), by=cast.clerk)
    old = Case.objects.select_related("version").get(pk=case.pk)
    third = transitions.steps_of(old.version)[2]
    steps.advance(case=case, by=cast.reviewer)  # the first step is done, by someone else
    # Written against the old copy's version, the UPDATE changes nothing; the step runs again.
    moved = steps.advance(case=old, by=cast.reviewer)
    assert (moved.step, moved.step_index, moved.lock_version) == (third, 2, old.lock_version + 2)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.step, stored.step_index, stored.lock_version) == (third, 2, old.lock_version + 2)
    assert _written(case, "advance", "cases.advanced") == (2, 2)  # nothing of the undone attempt
    assert (old.step_index, old.lock_version) == (0, case.lock_version)  # the caller's copy as it was


@pytest.mark.django_db
def test_a_step_refused_on_an_old_copy_is_judged_on_the_case_as_it_now_is(licence, cast) -> None:
    submitted = file(licence, cast)
    steps.accept(case=submitted, by=cast.clerk)
    # The caller's copy still says 已申报; the case is being handled, so 环节办理 is allowed.
    moved = steps.advance(case=submitted, by=cast.reviewer)
    assert moved.step_index == 1
    concluded = steps.conclude(case=moved, by=cast.reviewer, result=Result.DENIED, reason="材料不实")
    with pytest.raises(TransitionError, match="办件当前为“已办结”，不能受理"):
        steps.accept(case=submitted, by=cast.clerk)
    assert Case.objects.get(pk=concluded.pk).state == "concluded"


@pytest.mark.django_db
def test_a_case_that_keeps_changing_under_a_step_ends_in_409(licence, cast, monkeypatch) -> None:
    case = steps.accept(case=file(licence, cast), by=cast.clerk)
    old = Case.objects.select_related("version").get(pk=case.pk)
    steps.advance(case=case, by=cast.reviewer)
    monkeypatch.setattr(transitions, "_as_it_now_is", lambda case: case)  # never sees the change
    with pytest.raises(Stale, match="办件已被他人更新，请刷新后重试") as refused:
        steps.advance(case=old, by=cast.reviewer)
    assert refused.value.status == 409
    assert _written(case, "advance", "cases.advanced") == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_two_clerks_accepting_one_case_at_the_same_moment_accept_it_once(licence, cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "threads with their own connections need a server database (the suite also runs on PostgreSQL)"
        )
    for _ in range(5):
        case = file(licence, cast)
        outcomes = race(
            lambda case=case: steps.accept(case=case, by=cast.clerk),
            lambda case=case: steps.accept(case=case, by=cast.clerk),
        )
        assert sorted(type(o).__name__ for o in outcomes) == ["Case", "TransitionError"], outcomes
        refused = next(o for o in outcomes if isinstance(o, TransitionError))
        assert "不能受理" in refused.message
        assert _written(case, "accept", "cases.accepted") == (1, 1)
        assert OutboxMessage.objects.filter(key__startswith=f"sms:case.accepted:{case.pk}:").count() == 1
        assert Case.objects.get(pk=case.pk).lock_version == case.lock_version + 1
