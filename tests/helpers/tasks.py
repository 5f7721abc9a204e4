"""The task queue in tests: run every ready task now, in this process, and make retries due."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from typing import Any
from unittest import mock

from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

import passplus


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


def defined_tasks() -> set[str]:
    """Every django.tasks Task defined in passplus (a new module's task is found too)."""
    found: set[str] = set()
    for module_info in pkgutil.walk_packages(passplus.__path__, "passplus."):
        if module_info.name.endswith(".wsgi"):
            continue  # builds the WSGI application; defines nothing
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, Task) and value.module_path.startswith("passplus."):
                found.add(value.module_path)
    return found
