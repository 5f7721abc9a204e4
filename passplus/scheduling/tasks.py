"""The one task the scheduler enqueues: run a periodic job by name, recording its outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.tasks import TaskContext, TaskResult, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from passplus.scheduling.jobs import JOBS_BY_NAME
from passplus.scheduling.models import JobOutcome, JobState


@task(queue_name="scheduled", takes_context=True)
def scheduled_job_run(context: TaskContext[..., Any], *, job: str) -> dict[str, Any]:
    """Not retried by itself: the next scheduled time runs it again, and each job computes what
    is due from the data. A failure is kept in JobState and shown in "À traiter"."""
    definition = JOBS_BY_NAME[job]
    now = timezone.now()
    _state_save(
        job,
        task_result_id=str(context.task_result.id),
        started_at=now,
        finished_at=None,
        outcome=JobOutcome.RUNNING,
        error="",
    )
    try:
        summary = definition.run(now)
    except Exception as error:
        # Kept here: the class name only (a message may quote personal data); the worker
        # logs the traceback.
        _state_save(
            job,
            finished_at=timezone.now(),
            outcome=JobOutcome.FAILED,
            error=type(error).__name__,
        )
        raise
    finished = timezone.now()
    _state_save(
        job,
        finished_at=finished,
        outcome=JobOutcome.SUCCEEDED,
        summary=summary,
        last_success_at=finished,
    )
    return summary


def _state_save(job: str, **values: Any) -> None:
    if JobState.objects.filter(job=job).update(**values):
        return
    try:
        with transaction.atomic():
            JobState.objects.create(job=job, **values)
    except IntegrityError:  # created by a concurrent run a moment ago
        JobState.objects.filter(job=job).update(**values)


def waiting_runs(job: str) -> DBTaskResultQuerySet:
    """Runs of `job` enqueued and not yet picked up by a worker."""
    return DBTaskResult.objects.ready().filter(
        task_path=scheduled_job_run.module_path, args_kwargs__kwargs__job=job
    )


def job_enqueue(job: str) -> TaskResult[..., Any] | None:
    """Enqueue one run of `job`, unless one is already waiting (no pile-up while no worker
    runs). A run in progress does not block: its worker may have died, and jobs are
    idempotent."""
    if job not in JOBS_BY_NAME:
        raise KeyError(job)
    with transaction.atomic():
        if waiting_runs(job).exists():
            return None
        return scheduled_job_run.enqueue(job=job)


def jobs_catch_up(now: dt.datetime) -> list[str]:
    """Enqueue every job whose scheduled time passed since it last started (or that never
    ran): what the scheduler missed while it was stopped."""
    started = dict(JobState.objects.values_list("job", "started_at"))
    enqueued = []
    for name, definition in JOBS_BY_NAME.items():
        overdue = definition.is_overdue(last_started_at=started.get(name), now=now)
        if overdue and job_enqueue(name) is not None:
            enqueued.append(name)
    return enqueued
