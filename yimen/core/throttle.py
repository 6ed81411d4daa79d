"""Budgets of attempts a client may spend, kept in the cache the web workers share.

`LOOKUPS`: failed 办件查询 / 依申请公开 lookups, 10 per client address and per number, forgotten 15 minutes
after the latest failure. Once spent, every lookup is refused (429), the right code included — otherwise
the difference between 429 and success would tell a guesser the code.
`SUBMISSIONS`: applications and requests filed on the portal or the public API, per client address and
hour (`YIMEN["APPLY_SUBMISSIONS_PER_HOUR"]`); only what was filed counts, not corrected attempts.
Behind a proxy, REMOTE_ADDR must be the client's address (set it from X-Forwarded-For in the proxy).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Budget:
    prefix: str
    limit: Callable[[], int]
    window_seconds: int
    message: str

    def keys(self, request: HttpRequest, number: str | None = None) -> list[str]:
        """Hashed: a number typed by a stranger is no safe cache key, and should not sit there in clear."""
        values = [("ip", request.META.get("REMOTE_ADDR", ""))]
        if number is not None:
            values.append(("no", number))
        return [
            f"{self.prefix}:{kind}:{hashlib.sha256(value.encode()).hexdigest()}" for kind, value in values
        ]

    def spent(self, keys: list[str]) -> bool:
        limit = self.limit()
        return any(int(cache.get(key) or 0) >= limit for key in keys)

    def count(self, keys: list[str]) -> None:
        for key in keys:
            if not cache.add(key, 1, self.window_seconds):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.set(key, 1, self.window_seconds)
                # Some backends' incr() resets the timeout to their default; keep ours.
                cache.touch(key, self.window_seconds)


def _submissions_per_hour() -> int:
    return int(settings.YIMEN["APPLY_SUBMISSIONS_PER_HOUR"])


LOOKUPS = Budget("cases:lookup-fail", lambda: 10, 15 * 60, "尝试次数过多，请15分钟后再试")
SUBMISSIONS = Budget(
    "portal:apply",
    _submissions_per_hour,
    3600,
    "本网络地址1小时内提交的申请已达上限，请稍后再试，或到窗口办理",
)
