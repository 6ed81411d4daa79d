"""What a process keeps in memory between requests: one helper, one reset point.

A `Kept` value is loaded on first use and kept for `seconds`. With a `revision` (a cheap read: a stamp
row, a count and a maximum id), the value is checked every `seconds` and loaded again only when the
revision changed — so a calendar index or a catalogue copy that takes a moment to build is rebuilt only
after a change, yet every process notices the change within `seconds`. `forget()` drops one value (this
process made a change that must show at once); `forget_all()` drops every one (tests start each from an
empty database).

Why not Django's cache framework: these values are Python structures (arrays, indexes, a jieba
dictionary's words) used many times a request; a cache backend would pickle them on every read, and a
shared one would move megabytes over the network for what each process can rebuild from its own
database in milliseconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
clock = time.monotonic  # when a value was checked (tests move it on)
_NOTHING = object()


class Kept(Generic[T]):
    """A value loaded by `load`, kept `seconds`, and with `revision` loaded again only when it changed."""

    def __init__(
        self, load: Callable[[], T], *, seconds: float, revision: Callable[[], object] | None = None
    ) -> None:
        self.load, self.seconds, self.revision = load, seconds, revision
        self._lock = threading.Lock()
        self._state: tuple[float, object, T] | None = None  # checked at, revision, value
        _all.append(self)

    def __call__(self) -> T:
        state = self._state
        if state is not None and clock() - state[0] < self.seconds:
            return state[2]
        with self._lock:
            now, state = clock(), self._state
            if state is not None and now - state[0] < self.seconds:  # another thread just checked
                return state[2]
            seen = self.revision() if self.revision is not None else _NOTHING
            unchanged = state is not None and seen is not _NOTHING and seen == state[1]
            value = state[2] if unchanged and state is not None else self.load()
            self._state = (now, seen, value)
            return value

    def forget(self) -> None:
        """Load the value again at the next call."""
        self._state = None


_all: list[Kept[Any]] = []


def kept(
    *, seconds: float, revision: Callable[[], object] | None = None
) -> Callable[[Callable[[], T]], Kept[T]]:
    """`Kept` as a decorator of the function that loads the value."""

    def decorate(load: Callable[[], T]) -> Kept[T]:
        return Kept(load, seconds=seconds, revision=revision)

    return decorate


def forget_all() -> None:
    """Every value this process keeps is loaded again at its next use."""
    for value in _all:
        value.forget()
