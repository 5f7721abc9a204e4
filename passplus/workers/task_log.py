"""One log line per task run (logger `passplus.tasks`), like passplus/core/request_log.py's
per request: the task's path, id, queue, final status, duration and SQL count. The task runs
under the id of the request that enqueued it (passplus/core/task_backend.py), or its own id when
no request did (scheduled work): its log lines, and those of the tasks it enqueues, carry it."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

from django.db import connections
from django_tasks_db.models import DBTaskResult

from passplus.core.request_context import current_request_id
from passplus.core.request_log import QueryCounter
from passplus.core.task_backend import request_id_of

logger = logging.getLogger("passplus.tasks")


@contextlib.contextmanager
def task_logged(db_task: DBTaskResult[..., Any]) -> Iterator[None]:
    token = current_request_id.set(request_id_of(db_task) or str(db_task.pk))
    counter = QueryCounter()
    started = time.perf_counter()
    try:
        with connections["default"].execute_wrapper(counter):
            yield
    finally:
        logger.info(
            "tâche %s %s",
            db_task.task_path,
            db_task.status,
            extra={
                "task": db_task.task_path,
                "task_id": str(db_task.pk),
                "queue": db_task.queue_name,
                "status": db_task.status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "sql_count": counter.count,
            },
        )
        current_request_id.reset(token)
