"""CI cannot turn green with the browser tests skipped (issue 30 §3): under `CI=true`, a skip
whose reason is a missing tool fails the run, a race test skipped on SQLite is expected, the
same skip on PostgreSQL fails, and a reason given as free text fails (tests/helpers/skips.py,
the hook in tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers.paths import ROOT
from tests.helpers.skips import missing_tool, needs_postgresql, refusal

BROWSER_TEST = "tests/browser/test_public_pages.py"


@pytest.mark.parametrize("vendor", ["sqlite", "postgresql"])
def test_a_missing_tool_is_refused_on_every_database(vendor: str) -> None:
    refused = refusal(f"Skipped: {missing_tool('chromium', 'apt-get install chromium')}", vendor)

    assert refused is not None
    assert "a tool .ci/run installs is missing" in refused
    assert "chromium: apt-get install chromium" in refused


def test_a_race_test_skipped_on_sqlite_is_expected_and_refused_on_postgresql() -> None:
    reason = needs_postgresql("SQLite serialises writers")

    assert refusal(reason, "sqlite") is None
    refused = refusal(reason, "postgresql")
    assert refused is not None
    assert "this pass runs on PostgreSQL" in refused


def test_a_reason_given_as_free_text_is_refused() -> None:
    refused = refusal("Skipped: /usr/bin/chromium absent", "sqlite")

    assert refused is not None
    assert "tests/helpers/skips.py" in refused


def run_browser_tests(*, ci: bool) -> subprocess.CompletedProcess[str]:
    """One browser test file in a fresh pytest, Chromium pointed at a path that does not exist."""
    env = {**os.environ, "PASSPLUS_TEST_CHROMIUM": "/nonexistent/chromium"}
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    plugins = ["-p", "no:xdist", "-p", "no:cacheprovider"]
    options = ["-q", "-rs", "--no-header", "-x", "-W", "ignore::pytest.PytestConfigWarning"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", BROWSER_TEST, *plugins, *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_without_chromium_ci_fails_the_run_and_a_laptop_skips() -> None:
    laptop = run_browser_tests(ci=False)
    assert laptop.returncode == 0, laptop.stdout[-3000:]
    assert "skipped" in laptop.stdout
    assert "[missing tool] chromium: /nonexistent/chromium absent" in laptop.stdout

    ci = run_browser_tests(ci=True)
    assert ci.returncode == pytest.ExitCode.TESTS_FAILED, ci.stdout[-3000:]
    assert "1 error" in ci.stdout  # failed at setup, where the skip happened; -x stops there
    assert "CI: a tool .ci/run installs is missing" in ci.stdout
    assert "/nonexistent/chromium absent" in ci.stdout
