"""Back office: "À traiter" — what waits for a person: commercial organisations' eligibility
justifications, bank details to check, blocked ticket look-ups, background tasks that failed for
good, those whose worker died included (with a retry button), département staff accounts
blocked after failed passwords, organisations and numbers that reached a cap of SMS codes,
periodic jobs whose last run failed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tasks_db.models import DBTaskResult

from passplus.accounts.access import manager_required, staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.accounts.lockouts import locked_staff_accounts
from passplus.core.errors import DomainError
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import BankAccount, Organisation
from passplus.scheduling import retries
from passplus.scheduling.overview import failed_job_rows
from passplus.signatures.sms_caps import capped_now
from passplus.tickets.models.throttle import LookupThrottle
from passplus.workers.recovery import WORKER_LOST_PATH

TASK_LABELS = {
    "send_email": "Envoi d'e-mail",
    "send_sms": "Envoi de SMS",
    "password_reset_send": "Envoi d'un lien de nouveau mot de passe",
    "family_welcome_send": "Envoi de l'e-mail de bienvenue à une famille",
    "import_job_check": "Vérification d'un import de collégiens",
    "import_job_run": "Import de collégiens",
    "import_job_welcome": "Préparation des e-mails de bienvenue d'un import",
    "send_remittance_advice": "Envoi d'un avis de paiement",
    "payment_run_prepare_task": "Préparation d'une campagne de remboursement",
}
ERROR_LABELS = {WORKER_LOST_PATH: "Processus de traitement arrêté pendant la tâche"}


@staff_required
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
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
    tasks = retries.failed_for_good()
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


def _task_label(task_result: DBTaskResult[..., Any]) -> str:
    name: str = task_result.task_path.rsplit(".", 1)[-1]
    return TASK_LABELS.get(name, name)


def _error_label(task_result: DBTaskResult[..., Any]) -> str:
    path: str = task_result.exception_class_path
    return ERROR_LABELS.get(path, path.removeprefix("builtins."))


@require_POST
@manager_required
def task_retry(request: AuthenticatedHttpRequest, pk: str) -> HttpResponse:
    """Run a failed task again, from its first attempt, with the same arguments."""
    task_result = get_object_or_404(DBTaskResult.objects.failed(), pk=pk)
    try:
        job = retries.task_retry(
            task_result=task_result,
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("backoffice:review_queue")
    messages.success(request, f"{_task_label(task_result)} relancé.")
    if job is not None:
        return redirect("backoffice:pupil_import_job", pk=job.pk)
    return redirect("backoffice:review_queue")
