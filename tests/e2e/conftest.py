"""Real-browser fixtures: one Debian Chromium per session, driven by Playwright, and a fresh page per test.

Playwright's own browser downloads are never used (no `playwright install`): the executable is the
system Chromium that `tests.conftest.chromium_path()` finds. Without it these tests fail, unless
YIMEN_SKIP_BROWSER=1 is set, in which case they are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache

from tests.conftest import chromium_path

# Playwright's sync API keeps an asyncio loop running in this thread; without this Django refuses the
# fixtures' ordinary ORM calls (SynchronousOnlyOperation). The browser itself never touches the database.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class PageLog:
    """Everything a page asked the network for and every error it printed to the console."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ended: int = 0  # requests answered or failed

    def attach(self, page: Any) -> None:
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfinished", self._ended)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("requestfailed", self._failed)

    @property
    def in_flight(self) -> int:
        return len(self.requests) - self.ended

    def _ended(self, request: Any) -> None:
        self.ended += 1

    def _failed(self, request: Any) -> None:
        self.ended += 1
        # A download ends its navigation with ERR_ABORTED: the file arrived, nothing failed.
        if request.failure != "net::ERR_ABORTED":
            self.errors.append(f"request failed: {request.url} ({request.failure})")

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        self.errors.append(f"{message.text} @ {url or '?'}:{(message.location or {}).get('lineNumber', '?')}")

    def assert_clean(self, origin: str) -> None:
        assert self.requests, "the page made no requests at all"
        external = [url for url in self.requests if not url.startswith(origin)]
        assert not external, f"pages loaded resources from outside {origin}: {external}"
        assert not self.errors, "console errors (e.g. Content-Security-Policy violations):\n" + "\n".join(
            self.errors
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        message = (
            "Chromium not found (looked at $CHROMIUM, `chromium`, `chromium-browser`): install Debian's "
            "chromium package or point CHROMIUM at the executable. "
            "Set YIMEN_SKIP_BROWSER=1 to skip the browser tests."
        )
        if os.environ.get("YIMEN_SKIP_BROWSER") == "1":
            pytest.skip(message)
        pytest.fail(message, pytrace=False)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        except Exception as exc:
            pytest.fail(f"Chromium at {path} did not start under Playwright: {exc}", pytrace=False)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> Iterator[None]:
    """The portal caches the centre's name and address for a minute; each test's cast must be what shows."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


# What the browser does when the tab is hidden: the live pages stop polling (portal/static/yimen/live.js).
HIDE = """() => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def _settle(page: Any, log: PageLog) -> None:
    """Stop the page's polling and let the requests it has in flight be answered, so that no view is still
    reading the database when the test's data is flushed (SQLite's shared in-memory test database refuses
    the flush then: "database table is locked")."""
    try:
        page.evaluate(HIDE)
        for _ in range(100):
            if log.in_flight <= 0:
                return
            page.wait_for_timeout(50)
    except Exception:  # a page that crashed or closed has nothing in flight
        return


def _open(browser: Any, log: PageLog, **options: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    try:
        page = context.new_page()
        log.attach(page)
        yield page
        _settle(page, log)
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, page_log: PageLog) -> Iterator[Any]:
    """A desktop page (1280×900, zh-CN) in its own context: no cookies carried over from another test."""
    yield from _open(browser, page_log, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_page(browser: Any, page_log: PageLog) -> Iterator[Any]:
    """A phone-sized page (390×844, touch, mobile viewport handling) in its own context."""
    yield from _open(
        browser,
        page_log,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
