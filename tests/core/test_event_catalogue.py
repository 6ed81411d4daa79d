"""The event catalogue: code emits and handles only catalogued events, with payloads of their declared
types, and docs/events.md is what the catalogue generates."""

from __future__ import annotations

import ast
import importlib
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

import yimen
from yimen.cases import transitions
from yimen.cases.events import (
    ACCEPTED,
    REFUSED,
    SUPERVISION_DIGEST,
    CaseRefused,
    CaseStep,
    OrganisationCards,
    SupervisionDigest,
)
from yimen.core import events, payloads
from yimen.core.models import OutboxMessage, OutboxStatus, SmsMessage

pytestmark = pytest.mark.django_db

YIMEN = Path(yimen.__file__).parent
EMITTING = {"emit", "emit_later", "handles"}  # core.events' functions that take an event first


def catalogue_modules() -> list[str]:
    return sorted({event.module for event in events.catalogue() if event.module.startswith("yimen.")})


def events_modules() -> list[str]:
    """Each app's events module, also one whose events all carry another module's payload (a daily
    event's core Day)."""
    events.catalogue()
    return sorted(
        {*catalogue_modules(), *(m for m in sys.modules if m.startswith("yimen.") and m.endswith(".events"))}
    )


def constants() -> set[str]:
    """The names the catalogue modules give their events."""
    return {
        name
        for module in events_modules()
        for name, value in vars(importlib.import_module(module)).items()
        if isinstance(value, events.Event)
    }


def _event_parameters(function: ast.FunctionDef) -> dict[str, int]:
    """A function's parameters annotated as an Event, with their positions."""
    arguments = [*function.args.posonlyargs, *function.args.args]
    return {
        arg.arg: position
        for position, arg in enumerate(arguments + function.args.kwonlyargs)
        if arg.annotation is not None and "Event[" in ast.unparse(arg.annotation)
    }


def _emits(function: ast.FunctionDef) -> bool:
    return any(
        isinstance(node, ast.Call) and ast.unparse(node.func) in ("events.emit", "events.emit_later")
        for node in ast.walk(function)
    )


def wrappers(trees: list[ast.Module]) -> dict[str, tuple[int, str]]:
    """Functions that emit an event they are given (a case's step, a request's record): name → (position,
    name) of their event parameter."""
    found = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and _emits(node):
                for name, position in _event_parameters(node).items():
                    found[node.name] = (position, name)
    return found


def misnamed(tree: ast.Module, path: str, known: set[str], passing: dict[str, tuple[int, str]]) -> list[str]:
    """Every call that names an event by anything but a catalogue constant (or an Event parameter of the
    function it is in): a string, an f-string, a variable."""
    found: list[str] = []

    def named(arg: ast.expr, parameters: dict[str, int]) -> bool:
        if isinstance(arg, ast.Name):
            return arg.id in known or arg.id in parameters
        return isinstance(arg, ast.Attribute) and arg.attr in known

    def visit(node: ast.AST, parameters: dict[str, int]) -> None:
        if isinstance(node, ast.FunctionDef):
            parameters = _event_parameters(node)
        if isinstance(node, ast.Call):
            func, given = node.func, None
            if (
                isinstance(func, ast.Attribute)
                and func.attr in EMITTING
                and ast.unparse(func.value) == "events"
            ):
                given = node.args[0] if node.args else None
            elif isinstance(func, ast.Name) and func.id in passing:
                position, keyword = passing[func.id]
                given = next((k.value for k in node.keywords if k.arg == keyword), None)
                given = node.args[position] if len(node.args) > position else given
            elif isinstance(func, ast.Attribute) and func.attr == "define" and not path.endswith("events.py"):
                found.append(f"{path}:{node.lineno}: events are defined in the app's events module")
            if given is not None and not named(given, parameters):
                found.append(f"{path}:{node.lineno}: {ast.unparse(node)[:100]}")
        for child in ast.iter_child_nodes(node):
            visit(child, parameters)

    visit(tree, {})
    return found


def sources() -> dict[str, ast.Module]:
    return {
        str(path.relative_to(YIMEN.parent)): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(YIMEN.rglob("*.py"))
        if "migrations" not in path.parts
    }


def test_every_emitted_and_handled_event_is_named_by_a_catalogue_constant() -> None:
    trees = sources()
    known, passing = constants(), wrappers(list(trees.values()))
    assert {"emit", "record", "_emit"} <= set(passing)  # the steps' own emitters are checked too
    wrong = [line for path, tree in trees.items() for line in misnamed(tree, path, known, passing)]
    assert wrong == []


def test_the_scan_finds_names_built_from_strings() -> None:
    source = """
from yimen.core import events

def step(case, name):
    events.emit(f"case.{name}", {"case": case.pk})
    events.emit_later("case.accepted", {})
    emit(case, "accepted")
    events.emit(ACCEPTED, CaseStep(1, "X", "handling"))

@events.handles("workorder.replied")
def text(message): ...

WORK = events.define("work.done", dict, "")
"""
    found = misnamed(ast.parse(source), "yimen/cases/elsewhere.py", constants(), {"emit": (1, "event")})
    assert [line.split(":")[1] for line in found] == ["5", "6", "7", "10", "13"]


def test_emitting_a_name_that_is_not_catalogued_raises_and_writes_nothing() -> None:
    with pytest.raises(events.UnknownEvent):
        events.emit("case.accepted", {"case": 1, "number": "X", "state": "handling"})  # type: ignore[arg-type]
    lookalike = events.Event("case.accepted", CaseStep, "not defined through the catalogue")
    with pytest.raises(events.UnknownEvent):
        events.emit(lookalike, CaseStep(case=1, number="X", state="handling"))
    with pytest.raises(events.UnknownEvent):
        events.handles(lookalike)
    assert not OutboxMessage.objects.exists()


def test_a_payload_that_does_not_match_its_event_raises_and_writes_nothing() -> None:
    with pytest.raises(payloads.PayloadError, match=r"case\.refused carries CaseRefused, not CaseStep"):
        events.emit(REFUSED, CaseStep(case=1, number="X", state="refused"))
    with pytest.raises(payloads.PayloadError, match="case: expected int, got '1'"):
        events.emit(ACCEPTED, CaseStep(case="1", number="X", state="handling"))  # type: ignore[arg-type]
    with pytest.raises(payloads.PayloadError, match="carries CaseStep, not dict"):
        events.emit(ACCEPTED, {"case": 1, "number": "X", "state": "handling"})  # type: ignore[arg-type]
    row = OrganisationCards(code="SJJ", organisation="市场监管局", red="1", yellow=0)  # type: ignore[arg-type]
    digest = SupervisionDigest(date=date(2024, 10, 29), organisations=(row,), red=1, yellow=0)
    with pytest.raises(
        payloads.PayloadError, match=r"organisations: expected tuple\[OrganisationCards, \.\.\.\]"
    ):
        events.emit(SUPERVISION_DIGEST, digest)
    assert not OutboxMessage.objects.exists()


def test_a_step_that_gives_its_event_a_field_it_does_not_have_raises() -> None:
    case = SimpleNamespace(pk=7, number="SJJ20241029001", state="refused", lock_version=2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'cause'"):
        transitions.emit(case, REFUSED, cause="材料不全")  # type: ignore[arg-type]
    with pytest.raises(payloads.PayloadError, match="reason: expected str, got None"):
        events.emit(REFUSED, CaseRefused(case=7, number="X", state="refused", reason=None))  # type: ignore[arg-type]


def test_a_payload_is_stored_as_json_and_read_back_as_its_type() -> None:
    digest = SupervisionDigest(
        date=date(2024, 10, 29),
        organisations=(OrganisationCards(code="GAJ", organisation="咸宁市公安局", red=1, yellow=0),),
        red=1,
        yellow=0,
    )
    message = events.emit(SUPERVISION_DIGEST, digest, key="digest:2024-10-29")
    stored = OutboxMessage.objects.get(pk=message.pk).payload
    assert stored == {
        "date": "2024-10-29",
        "organisations": [{"code": "GAJ", "organisation": "咸宁市公安局", "red": 1, "yellow": 0}],
        "red": 1,
        "yellow": 0,
    }
    assert SUPERVISION_DIGEST.load(stored) == digest
    queued = events.SmsQueued(
        phone="13812345678", template="case.accepted", context={}, queued_at=timezone.now()
    )
    assert isinstance(events.SMS_SEND.load(payloads.dump(queued)).queued_at, datetime)
    assert events.SMS_SEND.load(payloads.dump(queued)) == queued


def test_messages_stored_before_the_catalogue_are_delivered_typed() -> None:
    OutboxMessage.objects.create(
        key="sms:case.accepted:1:2",
        name="sms.send",
        payload={
            "phone": "13812345678",
            "template": "workorder.replied",
            "context": {"centre": "咸宁市政务服务中心", "number": "SJJ20241029001", "reply": "已整改。"},
            "queued_at": "2024-10-29T10:00:00+08:00",
        },
    )
    assert events.run_once() == (1, 0)
    sms = SmsMessage.objects.get(key="sms:case.accepted:1:2")
    assert sms.phone == "13812345678" and "已整改。" in sms.text
    assert sms.created_at == datetime(2024, 10, 29, 2, tzinfo=UTC)


def test_a_stored_message_that_does_not_match_its_type_is_retried_not_handled(settings) -> None:
    OutboxMessage.objects.create(
        key="calendar:old", name=events.CALENDAR_CHANGED.name, payload={"years": [2024]}
    )
    assert events.run_once() == (0, 1)
    message = OutboxMessage.objects.get(key="calendar:old")
    assert message.status == OutboxStatus.PENDING
    assert "CalendarChanged needs the fields ['dates', 'earliest', 'years']" in message.last_error


def test_a_stored_message_of_an_event_nobody_handles_is_delivered_unread() -> None:
    OutboxMessage.objects.create(key="old:1", name="case.renamed_long_ago", payload={"anything": 1})
    assert events.run_once() == (1, 0)


def test_an_event_name_is_defined_once_with_a_frozen_payload() -> None:
    with pytest.raises(ValueError, match=r"already defined in yimen\.cases\.events"):
        events.define("case.accepted", CaseStep, "again")

    @dataclass
    class Loose:
        text: str

    with pytest.raises(payloads.PayloadError, match="Loose is not a frozen dataclass"):
        events.define("test.loose", Loose, "a payload that could change after it was checked")


def test_every_handled_event_is_catalogued_and_every_constant_is_the_registered_event() -> None:
    catalogued = {event.name: event for event in events.catalogue()}
    assert set(events._handlers) <= set(catalogued)
    for module in catalogue_modules():
        for value in vars(importlib.import_module(module)).values():
            if isinstance(value, events.Event):
                assert catalogued[value.name] is value


def test_the_committed_event_docs_are_what_the_catalogue_generates() -> None:
    call_command("events", "doc", "--check")


def test_event_docs_that_differ_from_the_catalogue_are_refused(tmp_path: Path) -> None:
    docs = tmp_path / "events.md"
    docs.write_text("# Event catalogue\n", encoding="utf-8")
    with pytest.raises(CommandError, match="与事件目录不一致"):
        call_command("events", "doc", "--check", "--output", str(docs))
    call_command("events", "doc", "--output", str(docs))
    call_command("events", "doc", "--check", "--output", str(docs))
    text = docs.read_text(encoding="utf-8")
    assert "### `workorder.replied`" in text and "| `reply` | `str` | what the applicant is told |" in text
    assert "Handlers: `yimen.cases.handlers.recompute_deadlines`, `yimen.disclosure.handlers." in text
