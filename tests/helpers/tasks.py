"""The task queue in tests: run every ready task now, in this process, and make retries due."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult


def run_queued_tasks() -> None:
    """Run every ready task now, in this process (what `make worker` does continuously).

    The worker calls close_old_connections() around each task. Inside the transaction that
    wraps a `django_db` test, that closes the test's own connection on PostgreSQL (autocommit
    is off, so Django drops the connection) and the test fails with "the connection is closed";
    SQLite's in-memory test database ignores the close. Django's test client disables the same
    call for the same reason; so does this helper.
    """
    with mock.patch.object(db_worker, "close_old_connections", lambda **_kwargs: None):
        db_worker.Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="tests",
            excluded_queue_names=[],
        ).run()


def ready() -> Any:
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY)


def make_retries_due() -> None:
    """What waiting for the back-off delay would do."""
    ready().update(run_after=timezone.now() - dt.timedelta(seconds=1))
