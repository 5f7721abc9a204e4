"""Background tasks that failed for good, and running one again by hand (the back office's
"À traiter"). Here rather than in `workers` because it knows every kind of task: periodic job
runs (this app) are left to their next time, a pupil import's or an organisation import's tasks
restart through their job (passplus.pupils.import_requests,
passplus.organisations.switch_over.requests)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django_tasks_db.models import DBTaskResult

from passplus.audit.models import AuditEvent, record
from passplus.core.errors import DomainError
from passplus.organisations.models import OrganisationImport, OrganisationImportStatus
from passplus.organisations.switch_over.requests import organisation_import_retry
from passplus.organisations.tasks import organisation_import_check, organisation_import_run
from passplus.pupils.import_requests import import_job_retry
from passplus.pupils.models import ImportJob, ImportStatus
from passplus.pupils.tasks import import_job_check, import_job_run
from passplus.scheduling.tasks import scheduled_job_run

if TYPE_CHECKING:
    from passplus.accounts.models import User

RETRY_ACTION = "task.retry"
# A pupil import's task is retried through its job (import_job_retry), which starts the right
# step again; listed while its job is still failed. An organisation import's alike.
PUPIL_IMPORT_TASKS = {import_job_check.module_path, import_job_run.module_path}
ORGANISATION_IMPORT_TASKS = {
    organisation_import_check.module_path,
    organisation_import_run.module_path,
}
IMPORT_TASKS = PUPIL_IMPORT_TASKS | ORGANISATION_IMPORT_TASKS


def _task_result_label() -> str:
    return DBTaskResult._meta.label_lower


def _attempt(task_result: DBTaskResult[..., Any]) -> int:
    return int((task_result.args_kwargs.get("kwargs") or {}).get("attempt", 1))


def _call_key(task_result: DBTaskResult[..., Any]) -> str:
    """The task and its arguments, whatever the attempt."""
    arguments = task_result.args_kwargs
    kwargs = {k: v for k, v in (arguments.get("kwargs") or {}).items() if k != "attempt"}
    return json.dumps([task_result.task_path, arguments.get("args"), kwargs], sort_keys=True)


def import_job_id(task_result: DBTaskResult[..., Any]) -> int | None:
    job_id = (task_result.args_kwargs.get("kwargs") or {}).get("job_id")
    return int(job_id) if job_id is not None else None


def failed_for_good(limit: int = 200) -> list[DBTaskResult[..., Any]]:
    """Failed task results that will not run again by themselves: no later attempt of the same
    call was scheduled (last attempt, or an error not worth retrying), and nobody retried them
    from this page yet."""
    retried = AuditEvent.objects.filter(
        action=RETRY_ACTION, object_type=_task_result_label()
    ).values_list("object_id", flat=True)
    candidates = list(
        DBTaskResult.objects.failed()
        .exclude(id__in=list(retried))
        # Periodic jobs run again at their next time: listed by job, below, not by run.
        .exclude(task_path=scheduled_job_run.module_path)
        .order_by("-finished_at")[:limit]
    )
    if not candidates:
        return []
    oldest = min(candidate.enqueued_at for candidate in candidates)
    # Only retries carry an attempt number (`retry_later`): the month of first attempts, which
    # succeeded by the tens of thousands (family e-mails), is never read.
    retries = DBTaskResult.objects.filter(
        task_path__in={candidate.task_path for candidate in candidates},
        enqueued_at__gte=oldest,
        args_kwargs__kwargs__has_key="attempt",
    )
    scheduled = {
        (_call_key(later), _attempt(later)) for later in retries.only("task_path", "args_kwargs")
    }
    failed_jobs = {
        (True, pk)
        for pk in ImportJob.objects.filter(status=ImportStatus.FAILED).values_list("pk", flat=True)
    } | {
        (False, pk)
        for pk in OrganisationImport.objects.filter(
            status=OrganisationImportStatus.FAILED
        ).values_list("pk", flat=True)
    }
    listed = []
    for candidate in candidates:  # newest first
        if (_call_key(candidate), _attempt(candidate) + 1) in scheduled:
            continue
        if candidate.task_path in IMPORT_TASKS:
            # Once per failed job (its latest task): a retry starts the job, not the task.
            job_key = (candidate.task_path in PUPIL_IMPORT_TASKS, import_job_id(candidate))
            if job_key not in failed_jobs:
                continue
            failed_jobs.discard(job_key)
        listed.append(candidate)
    return listed


def task_retry(
    *, task_result: DBTaskResult[..., Any], actor: User
) -> ImportJob | OrganisationImport | None:
    """Run a task that failed for good again, from its first attempt, with the same arguments,
    audited. A pupil import's or an organisation import's task restarts its job instead (the
    job is returned).

    Refused when the task is not among `failed_for_good()`: still running or retried
    automatically, already retried from the back office, a periodic job's run.
    """
    with transaction.atomic():
        locked = DBTaskResult.objects.select_for_update().get(pk=task_result.pk)
        if locked.pk not in {item.pk for item in failed_for_good()}:
            raise DomainError("Cette tâche est déjà relancée ou sera réessayée automatiquement.")
        if locked.task_path in IMPORT_TASKS:
            job_id = import_job_id(locked)
            assert job_id is not None  # listed above only while its job is failed
            if locked.task_path in ORGANISATION_IMPORT_TASKS:
                organisation_job = OrganisationImport.objects.get(pk=job_id)
                organisation_import_retry(job=organisation_job, actor=actor)
                return organisation_job
            job = ImportJob.objects.get(pk=job_id)
            import_job_retry(job=job, actor=actor)
            return job
        arguments: dict[str, Any] = locked.args_kwargs
        kwargs = {key: value for key, value in (arguments.get("kwargs") or {}).items()}
        kwargs.pop("attempt", None)
        locked.task.using(run_after=None).enqueue(*(arguments.get("args") or []), **kwargs)
        record(actor=actor, action=RETRY_ACTION, obj=locked, after={"task": locked.task_path})
    return None
