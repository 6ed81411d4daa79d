"""Budgets of attempts a client may spend, kept in the cache the web workers share.

`LOOKUPS`: failed 办件查询 / 依申请公开 lookups, 10 per client address and per number, forgotten 15 minutes
after the latest failure. Once spent, every lookup is refused (429), the right code included — otherwise
the difference between 429 and success would tell a guesser the code.
`SUBMISSIONS`: applications and requests filed on the portal or the public API, per client address and
hour (`YIMEN["APPLY_SUBMISSIONS_PER_HOUR"]`); only what was filed counts, not corrected attempts.
Behind a reverse proxy every request comes from the proxy's address, so a budget per REMOTE_ADDR would
be one budget for the whole city: `client_address` takes the client's address from X-Forwarded-For, but
only for a request that comes from a proxy named in `YIMEN["TRUSTED_PROXIES"]` (anyone else could write
that header).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.YIMEN["TRUSTED_PROXIES"])


def client_address(request: HttpRequest) -> str:
    """The client's address: the connection's own, or, when the connection comes from a trusted proxy, the
    nearest address in X-Forwarded-For that is not itself a trusted proxy (each proxy appends the address
    it was reached from, so the ones to the left of it could be written by the client)."""
    address = request.META.get("REMOTE_ADDR", "")
    if not _trusted(address):
        return address
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for hop in reversed(forwarded):
        if not _trusted(hop):
            return hop
    return forwarded[0] if forwarded else address


@dataclass(frozen=True)
class Budget:
    prefix: str
    limit: Callable[[], int]
    window_seconds: int
    message: str

    def keys(self, request: HttpRequest, number: str | None = None) -> list[str]:
        """Hashed: a number typed by a stranger is no safe cache key, and should not sit there in clear."""
        values = [("ip", client_address(request))]
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
