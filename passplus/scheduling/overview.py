"""What the "Tâches planifiées" page and "À traiter" show: each job's schedule, last run,
outcome and next run, and whether a scheduler holds the lease."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from passplus.scheduling.jobs import JOBS, Job
from passplus.scheduling.lease import LEASE_NAME
from passplus.scheduling.models import JobOutcome, JobState, SchedulerLease
from passplus.scheduling.tasks import scheduled_job_run

INTERRUPTED = "Interrompue (le processus de traitement s'est arrêté)"


@dataclass(frozen=True)
class JobRow:
    job: Job
    state: JobState | None
    outcome: str  # a JobOutcome value, or "" if never run
    outcome_label: str
    next_run: dt.datetime | None
    waiting: bool  # a run is enqueued and no worker took it yet

    @property
    def failed(self) -> bool:
        return self.outcome == JobOutcome.FAILED

    @property
    def summary(self) -> dict[str, Any]:
        return self.state.summary if self.state else {}


def job_rows(now: dt.datetime) -> list[JobRow]:
    states = {state.job: state for state in JobState.objects.all()}
    running_ids = [
        state.task_result_id
        for state in states.values()
        if state.outcome == JobOutcome.RUNNING and state.task_result_id
    ]
    still_running = {
        str(pk)
        for pk in DBTaskResult.objects.filter(
            pk__in=running_ids, status=TaskResultStatus.RUNNING
        ).values_list("pk", flat=True)
    }
    waiting = {
        (row["kwargs"] or {}).get("job")
        for row in DBTaskResult.objects.ready()
        .filter(task_path=scheduled_job_run.module_path)
        .values_list("args_kwargs", flat=True)
    }
    rows = []
    for job in JOBS:
        state = states.get(job.name)
        outcome = state.outcome if state else ""
        label = JobOutcome(outcome).label if outcome else "Jamais exécutée"
        if outcome == JobOutcome.RUNNING and state and state.task_result_id not in still_running:
            # Its worker died (the recovery marked the task failed) or its result was pruned.
            outcome, label = JobOutcome.FAILED, INTERRUPTED
        rows.append(
            JobRow(
                job=job,
                state=state,
                outcome=outcome,
                outcome_label=label,
                next_run=job.next_run(now),
                waiting=job.name in waiting,
            )
        )
    return rows


def failed_job_rows(now: dt.datetime) -> list[JobRow]:
    return [row for row in job_rows(now) if row.failed]


def active_scheduler() -> SchedulerLease | None:
    return SchedulerLease.active(name=LEASE_NAME)
