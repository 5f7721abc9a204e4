"""Back office: "À traiter" — what waits for a person: commercial organisations' eligibility
justifications, bank details to check, blocked ticket look-ups, background tasks that failed for
good, those whose worker died included (with a retry button), département staff accounts
blocked after failed passwords, organisations and numbers that reached a cap of SMS codes,
periodic jobs whose last run failed."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tasks_db.models import DBTaskResult

from passplus.accounts.access import manager_required, staff_required
from passplus.accounts.lockouts import locked_staff_accounts
from passplus.audit.models import AuditEvent, record
from passplus.core.errors import DomainError
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import BankAccount, Organisation
from passplus.pupils.import_requests import import_job_retry
from passplus.pupils.models import ImportJob, ImportStatus
from passplus.pupils.tasks import import_job_check, import_job_run
from passplus.scheduling.overview import failed_job_rows
from passplus.scheduling.tasks import scheduled_job_run
from passplus.signatures.sms_caps import capped_now
from passplus.tickets.models.throttle import LookupThrottle
from passplus.workers.recovery import WORKER_LOST_PATH

RETRY_ACTION = "task.retry"
TASK_LABELS = {
    "send_email": "Envoi d'e-mail",
    "send_sms": "Envoi de SMS",
    "password_reset_send": "Envoi d'un lien de nouveau mot de passe",
    "family_welcome_send": "Envoi de l'e-mail de bienvenue à une famille",
    "import_job_check": "Vérification d'un import de collégiens",
    "import_job_run": "Import de collégiens",
    "import_job_welcome": "Préparation des e-mails de bienvenue d'un import",
}
# A pupil import's task is retried through its job
# (passplus.pupils.import_requests.import_job_retry), which starts the right step again; listed
# while its job is still failed.
IMPORT_TASKS = {import_job_check.module_path, import_job_run.module_path}
ERROR_LABELS = {WORKER_LOST_PATH: "Processus de traitement arrêté pendant la tâche"}


def _task_result_label() -> str:
    return DBTaskResult._meta.label_lower


def _attempt(task_result: DBTaskResult) -> int:
    return int((task_result.args_kwargs.get("kwargs") or {}).get("attempt", 1))


def _call_key(task_result: DBTaskResult) -> str:
    """The task and its arguments, whatever the attempt."""
    arguments = task_result.args_kwargs
    kwargs = {k: v for k, v in (arguments.get("kwargs") or {}).items() if k != "attempt"}
    return json.dumps([task_result.task_path, arguments.get("args"), kwargs], sort_keys=True)


def failed_for_good(limit: int = 200) -> list[DBTaskResult]:
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
    scheduled = {
        (_call_key(later), _attempt(later))
        for later in DBTaskResult.objects.filter(
            task_path__in={candidate.task_path for candidate in candidates},
            enqueued_at__gte=oldest,
        ).only("task_path", "args_kwargs")
    }
    failed_jobs = set(
        ImportJob.objects.filter(status=ImportStatus.FAILED).values_list("pk", flat=True)
    )
    listed = []
    for candidate in candidates:  # newest first
        if (_call_key(candidate), _attempt(candidate) + 1) in scheduled:
            continue
        if candidate.task_path in IMPORT_TASKS:
            # Once per failed job (its latest task): a retry starts the job, not the task.
            if _job_id(candidate) not in failed_jobs:
                continue
            failed_jobs.discard(_job_id(candidate))
        listed.append(candidate)
    return listed


def _job_id(task_result: DBTaskResult) -> int | None:
    job_id = (task_result.args_kwargs.get("kwargs") or {}).get("job_id")
    return int(job_id) if job_id is not None else None


@staff_required
def review_queue(request: HttpRequest) -> HttpResponse:
    eligibility = Organisation.objects.filter(
        is_non_profit=False,
        eligibility_reviewed_at__isnull=True,
        status__in=[
            OrganisationStatus.SIGNING,
            OrganisationStatus.AFFILIATED,
            OrganisationStatus.SUSPENDED,
        ],
    ).select_related("commune")
    bank_accounts = (
        BankAccount.objects.filter(status=BankAccountStatus.PENDING)
        .select_related("organisation", "entered_by")
        .order_by("confirmed_at", "created_at")
    )
    blocks = LookupThrottle.objects.blocking().select_related("organisation")
    tasks = failed_for_good()
    lockouts = locked_staff_accounts()
    sms_capped = capped_now()
    failed_jobs = failed_job_rows(timezone.now())
    return render(
        request,
        "backoffice/review_queue.html",
        {
            "eligibility": eligibility,
            "bank_accounts": bank_accounts,
            "blocks": blocks,
            "tasks": [(task, _task_label(task), _error_label(task)) for task in tasks],
            "lockouts": lockouts,
            "sms_capped": sms_capped,
            "failed_jobs": failed_jobs,
            "total": len(failed_jobs)
            + len(eligibility)
            + len(bank_accounts)
            + len(blocks)
            + len(tasks)
            + len(lockouts)
            + len(sms_capped),
        },
    )


def _task_label(task_result: DBTaskResult) -> str:
    name = task_result.task_path.rsplit(".", 1)[-1]
    return TASK_LABELS.get(name, name)


def _error_label(task_result: DBTaskResult) -> str:
    path = task_result.exception_class_path
    return ERROR_LABELS.get(path, path.removeprefix("builtins."))


@require_POST
@manager_required
def task_retry(request: HttpRequest, pk: str) -> HttpResponse:
    """Run a failed task again, from its first attempt, with the same arguments."""
    task_result = get_object_or_404(DBTaskResult.objects.failed(), pk=pk)
    if task_result.pk not in {item.pk for item in failed_for_good()}:
        messages.error(request, "Cette tâche est déjà relancée ou sera réessayée automatiquement.")
        return redirect("backoffice:review_queue")
    if task_result.task_path in IMPORT_TASKS:
        return _import_retry(request, task_result)
    arguments: dict[str, Any] = task_result.args_kwargs
    kwargs = {key: value for key, value in (arguments.get("kwargs") or {}).items()}
    kwargs.pop("attempt", None)
    with transaction.atomic():
        task_result.task.using(run_after=None).enqueue(*(arguments.get("args") or []), **kwargs)
        record(
            actor=request.user,
            action=RETRY_ACTION,
            obj=task_result,
            after={"task": task_result.task_path},
        )
    messages.success(request, f"{_task_label(task_result)} relancé.")
    return redirect("backoffice:review_queue")


def _import_retry(request: HttpRequest, task_result: DBTaskResult) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=_job_id(task_result))
    try:
        import_job_retry(job=job, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("backoffice:review_queue")
    messages.success(request, f"{_task_label(task_result)} relancé.")
    return redirect("backoffice:pupil_import_job", pk=job.pk)
