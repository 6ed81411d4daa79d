"""Exchange fixtures: targets, and a transport that records what it is given and answers as told."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.certificates.conftest import food, work_off  # noqa: F401  (food: a type the licence item issues)
from yimen.exchange import transports
from yimen.exchange.models import Kind, Target
from yimen.exchange.transports import Feedback, Outcome, Outgoing

CASE_KINDS = [Kind.ACCEPT, Kind.PROCESS, Kind.RESULT, Kind.SPECIAL, Kind.MATERIAL, Kind.EVALUATION]


class Recorder:
    """A transport double: keeps every batch; answers each row with `answer(row)` (accepted by default)."""

    sent: list[Outgoing] = []
    answer: Any = None
    reports: list[Feedback] = []

    def send(self, target: Target, batch: list[Outgoing]) -> list[Outcome]:
        Recorder.sent.extend(batch)
        answer = Recorder.answer or (lambda row: Outcome(row.delivery, "accepted"))
        return [answer(row) for row in batch]

    def feedback(self, target: Target) -> list[Feedback]:
        reports, Recorder.reports = Recorder.reports, []
        return reports


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Recorder]]:
    Recorder.sent, Recorder.answer, Recorder.reports = [], None, []
    monkeypatch.setitem(transports.PATHS, "recorder", "tests.exchange.conftest.Recorder")
    yield Recorder


def make_target(code: str = "province", kinds: list[str] | None = None, **fields: Any) -> Target:
    fields.setdefault("transport", "recorder")
    return Target.objects.create(
        code=code,
        name=fields.pop("name", f"目标{code}"),
        role=fields.pop("role", "province"),
        endpoint=fields.pop("endpoint", "memory://"),
        kinds=kinds if kinds is not None else [*CASE_KINDS, Kind.TASK, Kind.LICENCE],
        **fields,
    )
