"""One budget of failed case lookups for the portal and the API: 10 per client address and per case
number, forgotten 15 minutes after the latest failure. Once spent, every lookup is refused (429), the
right code included — otherwise the difference between 429 and success would tell a guesser the code."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest

TOO_MANY = "尝试次数过多，请15分钟后再试"
MAX_FAILURES = 10
FAILURE_WINDOW_SECONDS = 15 * 60


def failure_keys(request: HttpRequest, number: str) -> list[str]:
    """Hashed: a case number typed by a stranger is no safe cache key, and should not sit there in clear."""
    ip = request.META.get("REMOTE_ADDR", "")
    return [
        f"cases:lookup-fail:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"
        for kind, value in (("ip", ip), ("no", number))
    ]


def blocked(keys: list[str]) -> bool:
    return any((cache.get(key) or 0) >= MAX_FAILURES for key in keys)


def count_failure(keys: list[str]) -> None:
    for key in keys:
        if not cache.add(key, 1, FAILURE_WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, FAILURE_WINDOW_SECONDS)
            # Some backends' incr() resets the timeout to their default; keep ours.
            cache.touch(key, FAILURE_WINDOW_SECONDS)
