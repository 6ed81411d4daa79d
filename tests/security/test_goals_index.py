"""tests/security/README.md names, for each level-3 goal, the tests that hold it: each must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INDEX = Path(__file__).with_name("README.md")


def named_tests() -> dict[int, list[str]]:
    goals: dict[int, list[str]] = {}
    for line in INDEX.read_text().splitlines():
        if match := re.match(r"\| (\d+) \|", line):
            goals[int(match[1])] = re.findall(r"`(tests/[\w/]+\.py::\w+)`", line)
    return goals


def defined(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text())
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_goal_names_tests_that_exist() -> None:
    goals = named_tests()
    assert len(goals) >= 30
    missing = [
        f"goal {goal}: {ref}"
        for goal, refs in goals.items()
        for ref in refs
        if ref.split("::")[1] not in defined(ref.split("::")[0])
    ]
    assert missing == []
    assert all(goals.values()), [goal for goal, refs in goals.items() if not refs]
