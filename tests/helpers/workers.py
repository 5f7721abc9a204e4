"""Workers as the recovery sees them: heartbeats seen some seconds ago, tasks claimed by one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.workers.models import WorkerHeartbeat

NOW = timezone.make_aware(dt.datetime(2026, 12, 2, 10, 0))


def heartbeat(worker_id: str, *, seen_seconds_ago: float, stopped: bool = False) -> None:
    seen = NOW - dt.timedelta(seconds=seen_seconds_ago)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname="hote",
        pid=1,
        started_at=seen,
        last_seen_at=seen,
        stopped_at=seen if stopped else None,
    )


def running(task_result: Any, worker_id: str) -> DBTaskResult:
    row = DBTaskResult.objects.get(pk=task_result.id)
    row.claim(worker_id)
    return row


def resilient_worker(worker_id: str, queue_names: list[str] | None = None) -> Any:
    """`manage.py worker`'s worker, run in this process: every ready task at once, no delay."""
    from passplus.workers.management.commands.worker import ResilientWorker

    return ResilientWorker(
        queue_names=queue_names or ["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
