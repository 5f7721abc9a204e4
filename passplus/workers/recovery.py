"""Recover the work of task workers that died (SIGKILL, machine lost, frozen past the lease).

A task result still RUNNING whose last worker has no live heartbeat (passplus/workers/models.py)
is failed with `WorkerLost`; then, by its kind:
- a `retried_task` with attempts left is enqueued again as its next attempt (the policy of
  passplus.core.tasks.retry_later); otherwise it waits in "À traiter" with "Relancer";
- a pupil import's or an organisation import's (switch-over) check or import: the job is
  marked failed with a French message (nothing was imported: its transaction died with the
  process) and can be retried from its page;
- a payment run's build: its progress row is removed (the run's transaction died too).
An import job still running with no task left to finish it (its result pruned) is failed too.

Every change is a conditional UPDATE or DELETE that judges the worker dead in the same
statement, so two recoveries at once, or a worker that comes back meanwhile, double nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Exists, IntegerField, OuterRef
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from passplus.core.tasks import RETRIED_TASK_PATHS, retry_later
from passplus.organisations.models import OrganisationImport
from passplus.payments.progress import BuildProgress
from passplus.pupils.import_jobs import ImportJob
from passplus.workers.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Heartbeats of workers gone this long ago are deleted (nothing refers to them any more).
HEARTBEAT_RETENTION = dt.timedelta(days=7)
# The tasks that check or import a job, and the job's model (each has `interrupt_all`).
IMPORT_JOB_MODELS: dict[str, type[ImportJob] | type[OrganisationImport]] = {
    "passplus.pupils.tasks.import_job_check": ImportJob,
    "passplus.pupils.tasks.import_job_run": ImportJob,
    "passplus.organisations.tasks.organisation_import_check": OrganisationImport,
    "passplus.organisations.tasks.organisation_import_run": OrganisationImport,
}
IMPORT_TASK_PATHS = set(IMPORT_JOB_MODELS)
LOST_MESSAGE = (
    "Le processus de traitement s'est arrêté pendant cette tâche (arrêt brutal, redémarrage "
    "de la machine ou perte de la base de données) : elle n'a pas abouti."
)


class WorkerLost(Exception):
    """The worker running this task stopped before recording its end."""


WORKER_LOST_PATH = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


@dataclasses.dataclass
class RecoveryReport:
    tasks_failed: int = 0
    tasks_requeued: int = 0
    import_jobs_failed: int = 0
    builds_cleared: int = 0
    heartbeats_pruned: int = 0


def recover_dead_work(*, now: dt.datetime | None = None) -> RecoveryReport:
    """Fail or re-queue what dead workers were running; idempotent, safe to run concurrently
    (the scheduler runs it every few minutes)."""
    now = now or timezone.now()
    report = RecoveryReport()
    alive = set(WorkerHeartbeat.objects.alive(now).values_list("worker_id", flat=True))
    for result in DBTaskResult.objects.running():
        owner = result.worker_ids[-1] if result.worker_ids else ""
        if owner not in alive:
            _recover_task(result, owner=owner, now=now, report=report, check_alive=True)
    report.import_jobs_failed += _interrupt_orphaned_imports()
    alive_ids = WorkerHeartbeat.objects.alive(now).values("worker_id")
    report.builds_cleared += BuildProgress.objects.orphaned(alive_ids).delete()[0]
    report.heartbeats_pruned = WorkerHeartbeat.objects.filter(
        last_seen_at__lt=now - HEARTBEAT_RETENTION
    ).delete()[0]
    if report.tasks_failed or report.builds_cleared:
        logger.warning("Dead work recovered: %s", dataclasses.asdict(report))
    return report


def _interrupt_orphaned_imports() -> int:
    """Import jobs still "en cours" with no task left to finish them (their task result was
    pruned, or failed without reaching the job): failed like an interrupted one. One UPDATE
    per kind of job, whose subquery sees a job and the task enqueued in its transaction
    together."""
    failed = 0
    for model in (ImportJob, OrganisationImport):
        paths = [path for path, job_model in IMPORT_JOB_MODELS.items() if job_model is model]
        pending = DBTaskResult.objects.filter(
            task_path__in=paths,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        ).annotate(job_id=Cast(KT("args_kwargs__kwargs__job_id"), IntegerField()))
        failed += model.interrupt_all(
            model.objects.exclude(Exists(pending.filter(job_id=OuterRef("pk"))))  # type: ignore[arg-type]
        )
    return failed


def recover_tasks_of_worker(worker_id: str) -> RecoveryReport:
    """A live worker's own RUNNING tasks, when it knows none runs any more (it lost the
    database while running one, and could not record its end)."""
    now = timezone.now()
    report = RecoveryReport()
    for result in DBTaskResult.objects.running():
        if result.worker_ids and result.worker_ids[-1] == worker_id:
            _recover_task(result, owner=worker_id, now=now, report=report, check_alive=False)
    report.builds_cleared = BuildProgress.objects.filter(worker_id=worker_id).delete()[0]
    return report


def _recover_task(
    result: DBTaskResult[..., Any],
    *,
    owner: str,
    now: dt.datetime,
    report: RecoveryReport,
    check_alive: bool,
) -> None:
    still_running = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING)
    if check_alive:
        still_running = still_running.exclude(
            Exists(WorkerHeartbeat.objects.alive(now).filter(worker_id=owner))
        )
    with transaction.atomic():
        failed = still_running.update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=WORKER_LOST_PATH,
            traceback=f"{WORKER_LOST_PATH}: {LOST_MESSAGE}\n(processus : {owner or 'inconnu'})",
        )
        if not failed:
            return  # recovered by someone else, or the worker is alive after all
        report.tasks_failed += 1
        logger.warning("Task %s (%s) lost with worker %s", result.pk, result.task_path, owner)
        if result.task_path in IMPORT_JOB_MODELS:
            model = IMPORT_JOB_MODELS[result.task_path]
            job_id = (result.args_kwargs.get("kwargs") or {}).get("job_id")
            jobs = model.objects.filter(pk=int(job_id)) if job_id is not None else None
            if jobs is not None and model.interrupt_all(jobs):  # type: ignore[arg-type]
                report.import_jobs_failed += 1
        elif _requeue(result):
            report.tasks_requeued += 1


def _requeue(result: DBTaskResult[..., Any]) -> bool:
    try:
        task = result.task  # imports the task's module, which registers retried tasks
    except Exception:  # the task's code is gone or invalid: it stays failed, shown to staff
        logger.exception("Task %s cannot be re-queued", result.pk)
        return False
    if result.task_path not in RETRIED_TASK_PATHS:
        return False
    arguments = result.args_kwargs
    kwargs = dict(arguments.get("kwargs") or {})
    attempt = int(kwargs.pop("attempt", 1))
    return retry_later(task, list(arguments.get("args") or []), kwargs, attempt=attempt)
