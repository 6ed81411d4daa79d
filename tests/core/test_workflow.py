"""The transition-table helper every stateful model uses: allowed steps, their targets, the 409 message."""

from __future__ import annotations

import pytest
from django.db import models

from yimen.cases.models import CaseState, WorkOrderState
from yimen.cases.services.evaluations import WORK_ORDER
from yimen.cases.transitions import CASE
from yimen.core.errors import TransitionError
from yimen.core.workflow import Workflow


class Light(models.TextChoices):
    RED = "red", "红灯"
    GREEN = "green", "绿灯"


LIGHT = Workflow(
    states=Light,
    transitions={"go": ((Light.GREEN,), None), "switch": ((Light.RED,), Light.GREEN)},
    labels={"go": "通行", "switch": "切换"},
    refusal="信号灯当前为“{state}”，不能{action}",
    refusals={(Light.GREEN, "switch"): "信号灯当前为“{state}”，无需{action}"},
)


def test_a_refused_action_is_a_409_naming_the_state() -> None:
    with pytest.raises(TransitionError) as refused:
        CASE.target(CaseState.HANDLING, "refuse")
    assert refused.value.status == 409
    assert refused.value.message == "办件当前为“办理中”，不能不予受理"


def test_an_allowed_action_leads_to_its_state_or_stays() -> None:
    assert CASE.target(CaseState.SUBMITTED, "accept") == CaseState.HANDLING
    assert CASE.target(CaseState.HANDLING, "advance") == CaseState.HANDLING
    assert LIGHT.target(Light.RED, "switch") == Light.GREEN
    assert LIGHT.target(Light.GREEN, "go") == Light.GREEN
    LIGHT.check(Light.GREEN, "go")


def test_the_actions_a_state_allows_come_in_the_tables_order() -> None:
    assert CASE.actions(CaseState.SUBMITTED) == ["accept", "refuse", "request_supplement", "withdraw"]
    assert CASE.actions(CaseState.DELIVERED) == []
    assert WORK_ORDER.actions(WorkOrderState.OPEN) == ["assign", "reply"]


def test_a_particular_refusal_can_be_worded_on_its_own() -> None:
    with pytest.raises(TransitionError, match=r"^信号灯当前为“绿灯”，无需切换$"):
        LIGHT.check(Light.GREEN, "switch")
    with pytest.raises(TransitionError, match=r"^信号灯当前为“红灯”，不能通行$"):
        LIGHT.check(Light.RED, "go")
    with pytest.raises(TransitionError, match=r"^工单当前为“整改中”，不能办结，须先答复申请人$"):
        WORK_ORDER.check(WorkOrderState.OPEN, "close")
    with pytest.raises(TransitionError, match=r"^工单当前为“已办结”，不能办结$"):
        WORK_ORDER.check(WorkOrderState.CLOSED, "close")


def test_a_table_with_an_unlabelled_action_or_an_unknown_state_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="unlabelled \\['stop'\\]"):
        Workflow(states=Light, transitions={"stop": ((Light.GREEN,), Light.RED)}, labels={}, refusal="")
    with pytest.raises(ValueError, match="unknown states \\['amber'\\]"):
        Workflow(states=Light, transitions={"go": (("amber",), None)}, labels={"go": "通行"}, refusal="")
