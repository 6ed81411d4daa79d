"""`yimen events doc [--check]`: write docs/events.md from the event catalogue, or check it is current."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yimen.core import events, payloads

HEADER = """# Event catalogue

Generated from the apps' `events` modules by `yimen events doc`: do not edit by hand (a test fails when
this file and the catalogue differ). Each event is written to the outbox in the transaction of the change
it announces: its name, its payload as JSON (dates in ISO 8601, tuples as arrays) and a key a receiver
can dedupe on; `yimen worker` delivers it at least once to the handlers listed (docs/architecture.md,
"Events and the outbox"). `events.emit` refuses an event that is not catalogued here and a payload that
does not match its type.
"""
_NOTE = re.compile(r"^\s+(\w+):[^#]*#\s*(.+)$")


def _notes(cls: type) -> dict[str, str]:
    """The comment after each field's annotation in the payload's source (the classes it extends too)."""
    notes: dict[str, str] = {}
    for klass in reversed(cls.__mro__[:-1]):
        for line in inspect.getsource(klass).splitlines():
            if found := _NOTE.match(line):
                notes[found[1]] = found[2]
    return notes


def _table(cls: type) -> list[str]:
    notes = _notes(cls)
    rows = [f"`{cls.__name__}`:", "", "| Field | Type | Note |", "| --- | --- | --- |"]
    for name, tp in payloads.hints(cls).items():
        rows.append(f"| `{name}` | `{payloads.describe(tp)}` | {notes.get(name, '')} |")
    return rows


def _handlers(event: events.Event[Any]) -> str:
    names = sorted(
        f"`{func.__module__}.{func.__qualname__}`"
        for func in events.handlers_for(event.name)
        if func.__module__.startswith("yimen.")
    )
    return ", ".join(names) or "none"


def render() -> str:
    """docs/events.md: every catalogued event of Yimen's apps, by app, in the order the app defines them."""
    catalogued = sorted(
        (e for e in events.catalogue() if e.module.startswith("yimen.")), key=lambda e: e.module
    )
    lines = [HEADER, "| Event | Emitted by | Handlers |", "| --- | --- | --- |"]
    lines += [f"| `{e.name}` | {e.module.split('.')[1]} | {_handlers(e)} |" for e in catalogued]
    module = ""
    for event in catalogued:
        if event.module != module:
            module = event.module
            lines += ["", f"## {module.split('.')[1]} (`{module}`)"]
        lines += ["", f"### `{event.name}`", "", event.doc, "", *_table(event.payload)]
        for tp in payloads.hints(event.payload).values():
            for nested in payloads.nested(tp):
                lines += ["", *_table(nested)]
        lines += ["", f"Handlers: {_handlers(event)}."]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "事件目录：doc 由目录生成 docs/events.md（--check 只检查是否最新）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["doc"])
        parser.add_argument("--check", action="store_true", help="只检查文件与目录是否一致，不写入")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "docs" / "events.md"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"])
        text = render()
        if options["check"]:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} 与事件目录不一致：请运行 yimen events doc 重新生成并提交")
            self.stdout.write(f"{path} 与事件目录一致")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"已生成 {path}（{text.count('### ')} 个事件）")
