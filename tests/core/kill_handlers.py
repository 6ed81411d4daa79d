"""A handler for the worker-kill test: applies its effect once per key, then hangs on the first delivery."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from yimen.core import audit, events


@dataclass(frozen=True)
class Kill:
    case: str


KILL = events.define(
    "test.kill", Kill, "An event whose first delivery hangs until the test kills the worker."
)


@events.handles(KILL)
def apply_then_hang(message: events.Message[Kill]) -> None:
    marker = Path(os.environ["YIMEN_TEST_MARKER"])
    events.handle_once(
        message, "tests.kill", lambda: audit.record("test.effect", actor="系统", object_id=message.key)
    )
    with marker.open("a") as log:
        log.write(f"{message.key} attempt {message.attempt}\n")
    if message.attempt == 1:
        time.sleep(120)  # the test kills the worker here, before it acknowledges
