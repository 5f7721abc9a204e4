"""Fixtures of the browser tests: a headless Chromium per test, axe-core at hand.

The tests skip (with the reason) only when Chromium or axe-core is not installed: `make test`
installs axe-core (`npm ci`), `.ci/run` installs Debian's chromium. Under `CI=true` those skips
fail the run (tests/helpers/skips.py). `PASSPLUS_TEST_CHROMIUM` names another Chromium binary
(the CI guard's own test points it at a missing one).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import AXE_SCRIPT, axe_report
from tests.helpers.skips import missing_tool

CHROMIUM = Path(os.environ.get("PASSPLUS_TEST_CHROMIUM") or "/usr/bin/chromium")
# A test waits for the state it asserts: `expect(locator).to_be_focused()`, `.to_have_text()`,
# `expect(page).to_have_title()` retry until it holds, never a one-time read after an action
# (which fails when a busy machine reads before the page has changed). They wait as long as
# the actions do (new_page).
expect.set_options(timeout=15_000)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = ""
    if not CHROMIUM.exists():
        reason = missing_tool("chromium", f"{CHROMIUM} absent (apt-get install chromium)")
    elif not AXE_SCRIPT.exists():
        reason = missing_tool("npm", f"{AXE_SCRIPT} absent (npm ci, or make test)")
    if reason:
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def demo() -> None:
    """The demo data set (requested before `page`, so created before the browser starts)."""
    from django.core.management import call_command

    call_command("demo", stdout=StringIO())


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium for one test.

    Function-scoped on purpose: it starts after pytest-django has set up the test database
    and stops before the database is flushed, so that Playwright's event loop is never
    running during that setup and teardown (see below); the launch costs about a second.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio event loop in this thread (inside a greenlet):
    # from sync_playwright().start() to its stop(), Django sees a running event loop and
    # refuses every ORM call of the test with SynchronousOnlyOperation. Nothing here is
    # actually asynchronous (the test's ORM calls happen between two Playwright calls, in
    # this thread), so the check is switched off, only while this browser is alive.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
                # While a loop runs, asgiref gives this thread a separate set of database
                # connections: close them before the loop stops (an idle PostgreSQL
                # connection left behind would block the drop of the test database).
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def new_page(browser: Any, **context_options: Any) -> Iterator[Any]:
    """A page in a new French-speaking browser context, closed when the test ends."""
    context = browser.new_context(locale="fr-FR", **context_options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # The site sends a strict Content-Security-Policy (script-src 'self' + nonce): without
    # bypass_csp the injected axe-core script would be refused.
    yield from new_page(browser, bypass_csp=True)


@pytest.fixture
def plain_page(browser: Any) -> Iterator[Any]:
    """A page with JavaScript switched off."""
    yield from new_page(browser, java_script_enabled=False)


@pytest.fixture
def strict_page(browser: Any) -> Iterator[Any]:
    """A page that obeys the site's Content-Security-Policy (no bypass): the scripts must run
    under it (axe-core cannot be injected there)."""
    yield from new_page(browser)


@pytest.fixture
def axe_violations(page: Any) -> Any:
    """Run axe-core on the current page; return its violations as readable text ('' if none)."""
    return lambda: axe_report(page)
