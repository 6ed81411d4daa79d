"""A machine client's API key, as django-ninja auth any app's operations can name, core's included.

The key travels in the X-API-Key header. Core cannot read org's keys (core imports no app), so the
check is registered at start-up by `yimen.org.api_keys`, as the portal registers its pages with
`core.pages`: it answers the acting account (or the key) for a key good for `scope`, None for no key,
and raises for a key it refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader

KEY_HEADER = "X-API-Key"

Check = Callable[[HttpRequest, str, str], Any]
_checks: list[Check] = []


def register(check: Check) -> None:
    _checks[:] = [check]


class ClientKey(APIKeyHeader):
    """A machine client's key, for operations of one scope (org.models.ApiScope's value)."""

    param_name = KEY_HEADER

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key or not _checks:
            return None
        return _checks[0](request, key, self.scope)
