"""Back office: "À traiter" — what waits for a person: the payment runs the user may check or
approve (passplus.payments.awaiting), commercial organisations' eligibility
justifications, bank details to check, imported organisations nobody has claimed yet (for
managers), blocked ticket look-ups, background tasks that failed for good, those whose worker
died included (with a retry button), département staff accounts blocked after failed passwords,
organisations and numbers that reached a cap of SMS codes,
periodic jobs whose last run failed; and, with their age, tasks stuck under a dead worker and
tasks waiting for their next retry (passplus.health.pending)."""

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
from passplus.health import pending
from passplus.health.pending import error_label, task_label
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import BankAccount, Organisation, OrganisationImport
from passplus.payments.awaiting import runs_awaiting
from passplus.scheduling import retries
from passplus.scheduling.overview import failed_job_rows
from passplus.signatures.sms_caps import capped_now
from passplus.tickets.models.throttle import LookupThrottle
from passplus.www.backoffice.unclaimed import unclaimed_rows

# The oldest unclaimed organisations listed here; the follow-up page has them all.
UNCLAIMED_SHOWN = 10


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
    now = timezone.now()
    failed_jobs = failed_job_rows(now)
    stuck = pending.stuck_tasks(now)
    waiting = pending.waiting_retries(now)
    waiting_count = pending.waiting_retries_count(now)
    awaiting_runs = runs_awaiting(request.user)
    # Only those who may resend the invitations (gestionnaire, admin) are asked to follow them.
    unclaimed = unclaimed_rows() if request.user.is_manager else unclaimed_rows().none()
    unclaimed_count = unclaimed.count()
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
            "stuck": stuck,
            "waiting": waiting,
            "waiting_count": waiting_count,
            "awaiting_runs": awaiting_runs,
            "unclaimed": unclaimed[:UNCLAIMED_SHOWN],
            "unclaimed_count": unclaimed_count,
            "total": len(awaiting_runs)
            + unclaimed_count
            + len(failed_jobs)
            + len(stuck)
            + waiting_count
            + len(eligibility)
            + len(bank_accounts)
            + len(blocks)
            + len(tasks)
            + len(lockouts)
            + len(sms_capped),
        },
    )


def _task_label(task_result: DBTaskResult[..., Any]) -> str:
    return task_label(task_result.task_path)


def _error_label(task_result: DBTaskResult[..., Any]) -> str:
    return error_label(task_result.exception_class_path)


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
    if isinstance(job, OrganisationImport):
        return redirect("backoffice:organisation_import_job", pk=job.pk)
    if job is not None:
        return redirect("backoffice:pupil_import_job", pk=job.pk)
    return redirect("backoffice:review_queue")
