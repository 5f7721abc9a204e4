"""Two real scheduler processes started by mistake: one holds the lease, the other waits and
doubles nothing; when the first dies (SIGKILL), the second takes over; SIGTERM stops cleanly."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from passplus.scheduling.jobs import JOBS
from passplus.scheduling.models import SchedulerLease
from passplus.scheduling.tasks import scheduled_job_run
from tests.helpers.processes import Processes, child_environment, kill, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def start_scheduler(tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    """Start `manage.py scheduler` (lease of 3 s) against the test database; its output goes to
    `<name>.log`."""
    environment = child_environment(
        SCHEDULER_LEASE_SECONDS="3", SCHEDULER_LEASE_REFRESH_SECONDS="1"
    )
    with Processes(tmp_path, environment) as processes:
        yield lambda name: processes.start(name, "manage.py", "scheduler")


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

    kill(first)
    # Its lease expires (3 s here) and the standby takes it, then catches up: nothing doubled.
    wait_for(lambda: holder_pid() == second.pid, seconds=20)
    wait_for(lambda: "Tâches en retard" in (tmp_path / "second.log").read_text())
    # SIGTERM stops it cleanly once its handler is set, which django-crontask says with
    # "Starting scheduler": before that, the default action kills it (seen under load).
    wait_for(lambda: "Starting scheduler" in (tmp_path / "second.log").read_text())
    assert waiting_per_job() == {job.name: 1 for job in JOBS}

    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=20) == 0
    assert not SchedulerLease.objects.exists(), "a clean stop releases the lease"
