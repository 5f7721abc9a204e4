"""Test helpers for real child processes (`manage.py scheduler`, `manage.py worker`): an
environment that reaches the test database, a group that starts them and kills the survivors,
waiting for a condition with a deadline, and killing one with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.db import connection

from tests.helpers.paths import ROOT


def database_url() -> str:
    """The test database, as the child processes must reach it."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host = settings["HOST"] or "127.0.0.1"
    return f"postgres://{settings['USER']}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"


def child_environment(**overrides: str) -> dict[str, str]:
    """This process's environment pointed at the test database (no Redis), with `overrides`."""
    environment = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}
    }
    environment.update(DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="passplus.settings")
    environment.update(overrides)
    return environment


class Processes:
    """Child processes started from the project root, each with its output in
    `logs/<name>.log`; used as a context manager, it kills those still running at its end."""

    def __init__(self, logs: Path, environment: Mapping[str, str]) -> None:
        self.logs = logs
        self.environment = dict(environment)
        self.started: list[subprocess.Popen[str]] = []

    def start(self, name: str, *arguments: str, **environment: str) -> subprocess.Popen[str]:
        """Run `python *arguments` with the group's environment plus `environment`."""
        with (self.logs / f"{name}.log").open("w") as log:
            process = subprocess.Popen(
                [sys.executable, *arguments],
                cwd=ROOT,
                env={**self.environment, **environment},
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
        self.started.append(process)
        return process

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *_exception: object) -> None:
        for process in self.started:
            if process.poll() is None:
                kill(process)


def wait_for(condition: Callable[[], Any], seconds: float = 60) -> Any:
    """Poll `condition` every 0.2 s; return its first truthy value, or fail after `seconds`.
    Generous on purpose: these are not timed tests, and child processes start slowly when the
    suite runs on every core (pytest-xdist) beside other work."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL `process` (no clean-up of its own) and reap it."""
    process.send_signal(signal.SIGKILL)
    process.wait()
