"""Behind nginx every request comes from the proxy: the budgets of failed lookups and of filed applications
must count each citizen, not the proxy, and a header a client writes itself must not buy a new budget."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from tests.core.test_settings import _start
from yimen.core.throttle import LOOKUPS, client_address


def _request(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/cases/", REMOTE_ADDR=remote, **extra)


def _proxies(*nets: str):
    return override_settings(YIMEN={**settings.YIMEN, "TRUSTED_PROXIES": list(nets)})


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored() -> None:
    assert client_address(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_a_request_from_the_trusted_proxy_counts_the_citizen_behind_it() -> None:
    with _proxies("127.0.0.1", "10.0.0.0/24"):
        assert client_address(_request("127.0.0.1", "198.51.100.1")) == "198.51.100.1"
        # the client wrote the left part itself; the proxies appended what they saw
        assert client_address(_request("127.0.0.1", "6.6.6.6, 198.51.100.2, 10.0.0.9")) == "198.51.100.2"
        assert client_address(_request("127.0.0.1")) == "127.0.0.1"  # no header: the proxy itself


def test_a_forwarded_header_from_anyone_else_buys_no_new_budget() -> None:
    with _proxies("127.0.0.1"):
        assert client_address(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@pytest.mark.django_db
def test_two_citizens_behind_the_proxy_have_a_budget_each() -> None:
    with _proxies("127.0.0.1"):
        first, second = _request("127.0.0.1", "198.51.100.1"), _request("127.0.0.1", "198.51.100.2")
        assert all(LOOKUPS.take(client_address(first)) for _ in range(10))
        assert LOOKUPS.take(client_address(first)) is None
        assert LOOKUPS.take(client_address(second)) is not None


@pytest.mark.django_db
def test_without_the_setting_everyone_behind_the_proxy_shares_one_budget() -> None:
    first, second = _request("127.0.0.1", "198.51.100.1"), _request("127.0.0.1", "198.51.100.2")
    for _ in range(10):
        LOOKUPS.take(client_address(first))
    assert LOOKUPS.take(client_address(second)) is None  # what YIMEN_TRUSTED_PROXIES is for


def test_a_mistyped_proxy_address_stops_the_start(tmp_path: Path) -> None:
    started = _start(tmp_path, YIMEN_TRUSTED_PROXIES="127.0.0.1,10.0.0.300")
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr and "10.0.0.300" in started.stderr
