"""What a process keeps (`core.memo`): loaded once, kept its seconds, loaded again only when its revision
changed, and forgotten everywhere at one reset point."""

from __future__ import annotations

import pytest

from yimen.core import memo


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [100.0]
    monkeypatch.setattr(memo, "clock", lambda: now[0])
    return now


def test_a_value_is_kept_its_seconds_then_loaded_again(clock) -> None:
    loads: list[float] = []
    value = memo.Kept(lambda: loads.append(clock[0]) or len(loads), seconds=60)
    assert (value(), value()) == (1, 1)
    clock[0] += 59
    assert value() == 1
    clock[0] += 1
    assert value() == 2 and loads == [100.0, 160.0]


def test_with_a_revision_it_is_loaded_again_only_when_the_revision_changed(clock) -> None:
    revision, checks, loads = ["a"], [], []

    def seen() -> str:
        checks.append(clock[0])
        return revision[0]

    value = memo.Kept(lambda: loads.append(revision[0]) or len(loads), seconds=5, revision=seen)
    assert value() == 1
    clock[0] += 5
    assert value() == 1  # checked, unchanged: kept
    revision[0] = "b"
    assert value() == 1  # not checked again within 5 s
    clock[0] += 5
    assert value() == 2 and loads == ["a", "b"] and len(checks) == 3


def test_one_reset_point_forgets_every_kept_value(clock) -> None:
    loads: list[str] = []
    first = memo.Kept(lambda: loads.append("first"), seconds=60)
    second = memo.Kept(lambda: loads.append("second"), seconds=60, revision=lambda: 1)
    first(), second()
    memo.forget_all()
    first(), second()
    assert loads == ["first", "second", "first", "second"]
