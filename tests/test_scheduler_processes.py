"""Two real scheduler processes started by mistake: one holds the lease, the other waits and
doubles nothing; when the first dies (SIGKILL), the second takes over; SIGTERM stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from passplus.scheduling.jobs import JOBS
from passplus.scheduling.models import SchedulerLease
from passplus.scheduling.tasks import scheduled_job_run

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    """The test database, as the child processes must reach it."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host = settings["HOST"] or "127.0.0.1"
    return f"postgres://{settings['USER']}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.fixture
def start_scheduler(tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    environment = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}
    }
    environment.update(
        DATABASE_URL=database_url(),
        SCHEDULER_LEASE_SECONDS="3",
        SCHEDULER_LEASE_REFRESH_SECONDS="1",
        DJANGO_SETTINGS_MODULE="passplus.settings",
    )

    def start(name: str) -> subprocess.Popen[str]:
        log = (tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "scheduler"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_for(condition: Callable[[], Any], seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def holder_pid() -> int | None:
    lease = SchedulerLease.objects.filter(name="scheduler").first()
    return int(lease.holder.split(":")[1]) if lease else None


def waiting_per_job() -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in DBTaskResult.objects.filter(task_path=scheduled_job_run.module_path).values_list(
        "args_kwargs", flat=True
    ):
        counts[row["kwargs"]["job"]] = counts.get(row["kwargs"]["job"], 0) + 1
    return counts


def test_two_schedulers_double_nothing_and_the_standby_takes_over(
    start_scheduler: Callable[[str], subprocess.Popen[str]], tmp_path: Path
) -> None:
    first = start_scheduler("first")
    wait_for(lambda: holder_pid() == first.pid)
    wait_for(lambda: len(waiting_per_job()) == len(JOBS))
    second = start_scheduler("second")
    wait_for(lambda: "Un autre planificateur est actif" in (tmp_path / "second.log").read_text())
    time.sleep(4)  # longer than the lease: the first one renews it, the second keeps waiting
    assert holder_pid() == first.pid
    assert waiting_per_job() == {job.name: 1 for job in JOBS}

    first.send_signal(signal.SIGKILL)
    first.wait()
    # Its lease expires (3 s here) and the standby takes it, then catches up: nothing doubled.
    wait_for(lambda: holder_pid() == second.pid, seconds=20)
    wait_for(lambda: "Tâches en retard" in (tmp_path / "second.log").read_text())
    assert waiting_per_job() == {job.name: 1 for job in JOBS}

    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=20) == 0
    assert not SchedulerLease.objects.exists(), "a clean stop releases the lease"
