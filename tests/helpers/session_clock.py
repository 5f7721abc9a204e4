"""The server's clock of the session rules (`passplus.accounts.sessions.current_time`), moved by
the tests instead of waited for (issue 32, 13.1); the browser tests move the page's clock with
Playwright's `page.clock` by the same amount."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest

from passplus.accounts import sessions


class SessionClock:
    """The epoch seconds the session rules read; `advance(minutes=…)` moves them forward."""

    def __init__(self, start: float | None = None) -> None:
        self.now = float(int(time.time() if start is None else start))

    def __call__(self) -> float:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta).total_seconds()


def next_morning(hour: int = 8) -> float:
    """The next `hour` o'clock in Paris at least an hour from now: a day's times are then all
    said « à HH:MM », and never in the past for Django, which dates a session's expiry against
    the real clock (an expiry in the past would end the session at once)."""
    paris = ZoneInfo("Europe/Paris")
    soon = dt.datetime.now(tz=paris) + dt.timedelta(hours=1)
    morning = soon.replace(hour=hour, minute=0, second=0, microsecond=0)
    if morning < soon:
        morning += dt.timedelta(days=1)
    return morning.timestamp()


def install_session_clock(
    monkeypatch: pytest.MonkeyPatch, start: float | None = None
) -> SessionClock:
    """Replace the sessions' clock for the test (the live server's threads read it too)."""
    clock = SessionClock(start)
    monkeypatch.setattr(sessions, "current_time", clock)
    return clock
