"""Sentences apps above reports add to an annual report's pre-filled wording, registered at start-up: data
exchange's 「上传数据的及时性和准确性……」 is counted by exchange, which reports may not import. Each writer
takes the organisations the report counts and the year, and answers its sentence, or "" when it has
nothing to say; the 2021 format quotes them in section 一（四）政府信息公开平台建设, the seed's format in
part 二, after the report's own sentences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

Writer = Callable[[list[int], int], str]
_writers: list[Writer] = []


def register(writer: Writer) -> None:
    """Add a writer of a sentence (once, however often an app's `ready` runs)."""
    if writer not in _writers:
        _writers.append(writer)


def sentences(organisations: Sequence[int], year: int) -> list[str]:
    """Every registered writer's sentence for these organisations and year, in the order registered."""
    said = (writer(list(organisations), year).strip() for writer in _writers)
    return [sentence for sentence in said if sentence]
