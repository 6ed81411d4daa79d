"""One transition table per stateful model (DESIGN.md, "State machines are explicit").

A `Workflow` names each action, the states it may start from and the state it leads to. An action the
current state does not allow is refused with `TransitionError` (HTTP 409) and a Chinese message naming
the state, e.g. 「办件当前为“办理中”，不能不予受理」. Who may act, lock versions and what a step writes
stay with each app's services.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from django.db.models import TextChoices

from yimen.core.errors import TransitionError


@dataclass(frozen=True, eq=False)
class Workflow:
    """`transitions`: action → (the states it may start from, the state it leads to; None: it stays).
    `refusal` is the 409 message with `{state}` (the state's label) and `{action}` (the action's label);
    `refusals` words a particular (state, action) refusal differently."""

    states: type[TextChoices]
    transitions: Mapping[str, tuple[Collection[str], str | None]]
    labels: Mapping[str, str]
    refusal: str
    refusals: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unlabelled = [action for action in self.transitions if action not in self.labels]
        unknown = [
            state
            for starts, _ in self.transitions.values()
            for state in starts
            if state not in self.states.values
        ]
        if unlabelled or unknown:
            raise ValueError(
                f"workflow of {self.states.__name__}: unlabelled {unlabelled}, unknown states {unknown}"
            )

    def allows(self, state: str, action: str) -> bool:
        return action in self.transitions and state in self.transitions[action][0]

    def actions(self, state: str) -> list[str]:
        """The actions the state allows, in the table's order (for the forms a page offers)."""
        return [action for action in self.transitions if self.allows(state, action)]

    def target(self, state: str, action: str) -> str:
        """The state `action` leads to from `state`; TransitionError (409) when the state does not allow it."""
        if not self.allows(state, action):
            message = self.refusals.get((state, action), self.refusal)
            raise TransitionError(message.format(state=self.states(state).label, action=self.labels[action]))
        return self.transitions[action][1] or state

    def check(self, state: str, action: str) -> None:
        """Refuse (409) an action the state does not allow."""
        self.target(state, action)
