"""Counting the answer period (no database): the regulation's numbers, and the N-th working day after the
clock's start that no pause covers.

民法典第二百零一条: the start day is not counted, so a request received on day 0 is due on
add_workdays(day 0, 20). A pause (a, b] takes the working days after a through b out of the period; a
pause beginning on or after the period's last day changes nothing (the clock had run out). Adding a
pause can therefore only move the deadline later (tests/disclosure/test_deadlines.py proves it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from yimen.core import calendar

REGULATION_2019_FROM = date(2019, 5, 15)
CLARIFICATION_NOTICE_WORKDAYS = 7  # 条例第三十条: the 补正 notice within 7 working days of receipt
CONSULTATION_WORKDAYS = 15  # 条例第三十二条、第三十四条: the other side answers within 15 working days
FEE_PAYMENT_WORKDAYS = 20  # 国办函〔2020〕109号: payment within 20 working days of the notice


@dataclass(frozen=True)
class Rules:
    """The answer period of one regulation."""

    code: str
    reply_workdays: int
    max_extension: int
    citation: str
    consultation_capped: bool  # 2019: the other side has 15 working days; 2008 set no period


RULES: dict[str, Rules] = {
    "2008": Rules(
        "2008",
        15,
        15,
        "《政府信息公开条例》（2008）第二十四条：自收到申请之日起15个工作日内答复，延长最长不超过15个工作日",
        consultation_capped=False,
    ),
    "2019": Rules(
        "2019",
        20,
        20,
        "《政府信息公开条例》（2019）第三十三条：自收到申请之日起20个工作日内答复，延长最长不超过20个工作日",
        consultation_capped=True,
    ),
}


def rules_for(received_on: date) -> str:
    """ "2008" before 2019-05-15 (国务院令第492号), "2019" from then (国务院令第711号, 第五十六条)."""
    return "2019" if received_on >= REGULATION_2019_FROM else "2008"


# --- the clock ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    """The working days after `start` through `end` are not counted."""

    start: date
    end: date


@dataclass(frozen=True)
class Due:
    on: date
    provisional: bool
    paused_workdays: int  # working days the pauses took out of the period


def merged(pauses: Iterable[Pause]) -> list[Pause]:
    """Overlapping pauses (a third party and an agency consulted at once) count their days once."""
    out: list[Pause] = []
    for pause in sorted((p for p in pauses if p.end > p.start), key=lambda p: p.start):
        if out and pause.start <= out[-1].end:
            last = out[-1]
            out[-1] = Pause(last.start, max(last.end, pause.end))
        else:
            out.append(pause)
    return out


def due_date(start: date, workdays: int, pauses: Sequence[Pause] = ()) -> Due:
    """The `workdays`-th working day after `start` that no pause covers (start not counted).

    A pause that begins on or after the day the period ends has no effect: the clock had run out.
    """
    remaining, cursor, paused, provisional = workdays, start, 0, False
    for pause in merged(pauses):
        if pause.end <= cursor:
            continue
        if pause.start > cursor:
            run = calendar.workdays_between(cursor, pause.start)
            provisional = provisional or run.provisional
            if run.workdays >= remaining:
                break
            remaining -= run.workdays
            cursor = pause.start
        taken = calendar.workdays_between(cursor, pause.end)
        paused += taken.workdays
        provisional = provisional or taken.provisional
        cursor = pause.end
    result = calendar.add_workdays(cursor, remaining)
    return Due(result.date, provisional or result.provisional, paused)


@dataclass(frozen=True)
class Fact:
    """One thing that shaped the clock, in the order it happened."""

    on: date
    kind: str  # received | clarification_requested | clarification_received | pause | extension | custom
    label: str
    rule: str
    workdays: int = 0
    end: date | None = None  # a pause's last day
    due: date | None = None  # a 第三十五条 deadline; a pending 补正's deadline


@dataclass
class Clock:
    """The clock after some facts: where it starts, how long it runs, what pauses it."""

    rules: Rules
    start: date
    extension: int = 0
    pauses: list[Pause] = field(default_factory=list)
    custom: date | None = None

    def due(self) -> Due:
        computed = due_date(self.start, self.rules.reply_workdays + self.extension, self.pauses)
        if self.custom is not None and self.custom > computed.on:
            return replace(computed, on=self.custom)
        return computed


def run(received_on: date, facts: Sequence[Fact]) -> Clock:
    """The clock after `facts` (sorted by date)."""
    clock = Clock(RULES[rules_for(received_on)], received_on)
    for fact in facts:
        if fact.kind in ("clarification_requested", "clarification_received"):
            # 条例第三十条: the period runs from the supplement's receipt; until it arrives, from the
            # last day the applicant has (the latest the clock can start).
            clock.start = fact.on if fact.kind == "clarification_received" else fact.due or fact.on
        elif fact.kind == "pause" and fact.end is not None:
            clock.pauses.append(Pause(fact.on, fact.end))
        elif fact.kind == "extension":
            clock.extension += fact.workdays
        elif fact.kind == "custom":
            clock.custom = fact.due
    return clock
