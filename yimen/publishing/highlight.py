"""Highlighted titles and snippets from the original text (the index only holds segmented words).

Terms are found in the normalised text (NFKC, lower case: what was indexed), and marked at the same
places in the original, so 2024 typed in half-width marks ２０２４ written in full-width.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from yimen.core import text

SNIPPET_CHARACTERS = 120
BEFORE = 30  # characters of context shown before the first hit
MAX_SCANNED = 50_000  # of a long attachment, only the beginning is looked at


def _normalised(value: str) -> tuple[str, list[int] | None]:
    """The normalised text, and where each of its characters came from (None: one for one)."""
    normal = text.normalize(value)
    if len(normal) == len(value):
        return normal, None
    chars, origins = [], []
    for i, ch in enumerate(value):
        for c in text.normalize(ch):
            chars.append(c)
            origins.append(i)
    return "".join(chars), origins


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({text.normalize(t).strip() for t in terms if t.strip()}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


def spans(value: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """(start, end) in `value` of every occurrence of a term, left to right, not overlapping."""
    pattern = _pattern(terms)
    if pattern is None or not value:
        return []
    normal, origins = _normalised(value[:MAX_SCANNED])
    found = []
    for m in pattern.finditer(normal):
        if origins is None:
            found.append((m.start(), m.end()))
        else:
            found.append((origins[m.start()], origins[m.end() - 1] + 1))
    return found


def mark(value: str, terms: Iterable[str], start: int = 0, end: int | None = None) -> SafeString:
    """value[start:end], escaped, with each occurrence of a term inside <mark>."""
    end = len(value) if end is None else end
    out, at = [], start
    for s, e in spans(value[:end], terms):
        if s < start:
            continue
        out += [escape(value[at:s]), "<mark>", escape(value[s:e]), "</mark>"]
        at = e
    out.append(escape(value[at:end]))
    return mark_safe("".join(out))  # nosec B308 B703  # every text in it is escaped first


def snippet(sources: Iterable[tuple[str, str]], terms: list[str]) -> SafeString:
    """About SNIPPET_CHARACTERS characters around the first hit in the first source that has one
    ((label, text) pairs: summary, body, attachments); else the beginning of the first non-empty one."""
    sources = [(label, " ".join(value.split())) for label, value in sources if value and value.strip()]
    for label, value in sources:
        found = spans(value, terms)
        if found:
            start = max(0, found[0][0] - BEFORE)
            end = min(len(value), start + SNIPPET_CHARACTERS)
            prefix = (escape(label) + "：") if label else ""
            body = mark(value, terms, start, end)
            return mark_safe(prefix + ("…" if start else "") + body + ("…" if end < len(value) else ""))  # nosec B308 B703  # every text in it is escaped first
    if not sources:
        return mark_safe("")  # nosec B308 B703  # every text in it is escaped first
    label, value = sources[0]
    cut = value[:SNIPPET_CHARACTERS]
    return mark_safe(  # nosec B308 B703  # every text in it is escaped first
        (escape(label) + "：" if label else "") + escape(cut) + ("…" if len(value) > len(cut) else "")
    )
