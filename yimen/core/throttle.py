"""Budgets of attempts a client may spend, counted in the database the web workers share.

`LOOKUPS`: failed 办件查询 / 依申请公开 lookups, 10 per client address, forgotten 15 minutes after the
latest failure; once spent, that address is refused (429), the right code included — otherwise the
difference between 429 and success would tell a guesser the code.
`SECOND_FACTOR`: failed lookups of one number, from any address. A number that has failed 5 times is not
refused — that would lock its owner out of their own case — but asks for a second factor as well as the
查询码: the last four digits of the phone registered with it (of the ID number when none was). A guesser
spread over many addresses then has to guess both.
`SUBMISSIONS`: applications and requests filed on the portal or the public API, per client address and
hour (`YIMEN["APPLY_SUBMISSIONS_PER_HOUR"]`); only what was filed counts, not corrected attempts.

An attempt is counted before it is judged (`take`): one statement adds it and returns the new count, so
of 16 concurrent attempts against a budget of 10 exactly 10 go through, whichever web worker each
reaches; an attempt that turns out not to count is given back.

Behind a reverse proxy every request comes from the proxy's address, so a budget per REMOTE_ADDR would
be one budget for the whole city: `client_address` takes the client's address from X-Forwarded-For, but
only for a request that comes from a proxy named in `YIMEN["TRUSTED_PROXIES"]` (anyone else could write
that header).
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, Value, When
from django.http import HttpRequest

from yimen.core.models import BudgetSpent

T = TypeVar("T")


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
class Ticket:
    """One counted attempt, which the caller gives back when it turns out not to count."""

    key: str
    limit: int

    def give_back(self) -> None:
        # A count above the limit marks a spent budget that refused attempts (see `_take`): `limit` were taken.
        BudgetSpent.objects.filter(key=self.key, spent__gt=0).update(
            spent=Case(When(spent__gt=self.limit, then=Value(self.limit - 1)), default=F("spent") - 1)
        )


@dataclass(frozen=True)
class Budget:
    prefix: str
    limit: Callable[[], int]
    window_seconds: int
    message: str

    def key(self, value: str) -> str:
        """Hashed: a number typed by a stranger is no safe key, and should not sit there in clear."""
        return f"{self.prefix}:{hashlib.sha256(value.encode()).hexdigest()}"

    def take(self, value: str) -> Ticket | None:
        """Count one attempt and judge it in the same statement: a ticket while the count is within the
        limit, else None. A refused attempt neither counts nor prolongs the window, which is forgotten
        `window_seconds` after the last attempt that counted."""
        key, limit = self.key(value), self.limit()
        return Ticket(key, limit) if _take(key, limit, self.window_seconds) <= limit else None

    @contextmanager
    def spending(self, request: HttpRequest) -> Iterator[Ticket | None]:
        """Take one attempt for the request's client address for the block (None: the budget is spent);
        an error in the block gives it back."""
        ticket = self.take(client_address(request))
        try:
            yield ticket
        except BaseException:
            if ticket is not None:
                ticket.give_back()
            raise

    def spent(self, value: str) -> int:
        row = BudgetSpent.objects.filter(key=self.key(value), until__gt=int(time.time())).first()
        return row.spent if row is not None else 0

    def exhausted(self, value: str) -> bool:
        return self.spent(value) >= self.limit()


def _take(key: str, limit: int, window_seconds: int) -> int:
    """Add one to the key's count — starting again at 1 when its window has passed — unless the count has
    reached `limit`, and return the new count (`limit + 1` for a refusal), in one INSERT … ON CONFLICT …
    RETURNING (PostgreSQL, SQLite ≥ 3.35): atomic without a lock. The SET expressions read the row as it
    was before the statement."""
    now = int(time.time())
    table = connection.ops.quote_name(BudgetSpent._meta.db_table)
    within = f"{table}.until <= %(now)s OR {table}.spent < %(limit)s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, spent, until) VALUES (%(key)s, 1, %(until)s) "  # nosec B608  # the table is the model's own
            f"ON CONFLICT (key) DO UPDATE SET "
            f"spent = CASE WHEN {table}.until <= %(now)s THEN 1 WHEN {table}.spent < %(limit)s "
            f"THEN {table}.spent + 1 ELSE %(limit)s + 1 END, "
            f"until = CASE WHEN {within} THEN excluded.until ELSE {table}.until END "
            f"RETURNING spent",
            {"key": key, "until": now + window_seconds, "now": now, "limit": limit},
        )
        return int(cursor.fetchone()[0])


def forget_expired() -> int:
    """Drop the counts whose windows have passed (the worker calls this now and then)."""
    return BudgetSpent.objects.filter(until__lte=int(time.time())).delete()[0]


def _submissions_per_hour() -> int:
    return int(settings.YIMEN["APPLY_SUBMISSIONS_PER_HOUR"])


LOOKUPS = Budget("lookup:ip", lambda: 10, 15 * 60, "尝试次数过多，请15分钟后再试")
SECOND_FACTOR = Budget(
    "lookup:no",
    lambda: 5,
    15 * 60,
    "该编号查询失败次数较多，请同时填写登记的手机号码后四位（未登记手机号码的，填写证件号码后四位）",
)
SUBMISSIONS = Budget(
    "portal:apply",
    _submissions_per_hour,
    3600,
    "本网络地址1小时内提交的申请已达上限，请稍后再试，或到窗口办理",
)


@dataclass(frozen=True)
class Lookup(Generic[T]):
    """What a guarded lookup came to: the record, or a refusal (429), or a request for the second factor,
    or neither (a wrong pair, answered as an unknown number is)."""

    found: T | None = None
    refused: bool = False
    second_factor: bool = False  # the number asks for one: the form shows its field
    missing: bool = False  # … and it was not given

    def answer(self, not_found: str) -> tuple[int, str]:
        """Status and message when nothing was found: 429 for a spent address, 403 asking for the missing
        second factor, or `not_found` with 404 — which a wrong pair answers whether or not the number exists."""
        if self.refused:
            return 429, LOOKUPS.message
        if self.missing:
            return 403, SECOND_FACTOR.message
        return 404, not_found


def guarded_lookup(
    request: HttpRequest, number: str, tail: str | None, find: Callable[[str | None], T | None]
) -> Lookup[T]:
    """Look a record up by number and 查询码 within the budgets. `find(tail)` does the comparison — in
    constant time — and is given the second factor only when the number asks for one (None otherwise)."""
    ticket = LOOKUPS.take(client_address(request))
    if ticket is None:
        return Lookup(refused=True)
    guarded = SECOND_FACTOR.exhausted(number)
    if guarded and not tail:
        ticket.give_back()  # nothing was tried
        return Lookup(second_factor=True, missing=True)
    found = find(tail if guarded else None)
    if found is None:
        SECOND_FACTOR.take(number)
        return Lookup(second_factor=guarded)
    ticket.give_back()
    return Lookup(found=found)
