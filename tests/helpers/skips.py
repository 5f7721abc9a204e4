"""Why a test skips, written in a form the CI guard reads (tests/conftest.py) instead of guessing
from free text. Every skip of the suite gives its reason through one of these two:

- `missing_tool("chromium", "apt-get install chromium")`: a program (or server) the machine
  lacks. Fine on a laptop; under `CI=true` it fails the run, since `.ci/run` installs Chromium,
  node/npm and Java and starts PostgreSQL.
- `needs_postgresql("SQLite serialises writers: the race cannot happen")`: a test that cannot
  fail on SQLite (a race). Expected in the SQLite pass; under `CI=true`, a PostgreSQL pass that
  skips it fails.

Under `CI=true` a skip whose reason has neither prefix fails too: the guard cannot tell whether
it hides a missing tool, so it does not let it through.
"""

from __future__ import annotations

import os

MISSING_TOOL = "[missing tool]"
NEEDS_POSTGRESQL = "[needs PostgreSQL]"


def missing_tool(tool: str, how_to_get_it: str) -> str:
    """The skip reason of a test that needs `tool`, which this machine lacks."""
    return f"{MISSING_TOOL} {tool}: {how_to_get_it}"


def needs_postgresql(why: str) -> str:
    """The skip reason of a test that cannot fail on SQLite (it runs in the PostgreSQL pass)."""
    return f"{NEEDS_POSTGRESQL} {why}"


def in_ci() -> bool:
    """`CI=true` (set by `.ci/run` and by the usual CI services)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def refusal(reason: str, database_vendor: str) -> str | None:
    """Why CI must not accept a skip with this reason on this database, or None if it may."""
    reason = reason.removeprefix("Skipped: ")
    if reason.startswith(NEEDS_POSTGRESQL):
        if database_vendor != "postgresql":
            return None  # the PostgreSQL pass runs it
        return f"CI: this pass runs on PostgreSQL, yet the test skipped ({reason})"
    if reason.startswith(MISSING_TOOL):
        return f"CI: a tool .ci/run installs is missing, the test did not run ({reason})"
    return (
        "CI: a skip must give its reason through tests/helpers/skips.py "
        f"(missing_tool or needs_postgresql), not as free text ({reason})"
    )
