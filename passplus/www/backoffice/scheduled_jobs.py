"""Back office: "Tâches planifiées" — each periodic job's schedule, last run, outcome and next
run, whether a scheduler is running, and (admins) running a job now."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from passplus.accounts.access import admin_required, staff_required
from passplus.audit.models import record
from passplus.scheduling.jobs import JOBS_BY_NAME
from passplus.scheduling.models import JobState
from passplus.scheduling.overview import active_scheduler, job_rows
from passplus.scheduling.tasks import job_enqueue


@staff_required
def scheduled_jobs(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "backoffice/scheduled_jobs.html",
        {"rows": job_rows(now), "scheduler": active_scheduler(), "now": now},
    )


@require_POST
@admin_required
def scheduled_job_start(request: HttpRequest, name: str) -> HttpResponse:
    """Enqueue one run now (e.g. after fixing the cause of a failure). Audited."""
    job = JOBS_BY_NAME.get(name)
    if job is None:
        raise Http404
    with transaction.atomic():
        result = job_enqueue(job.name)
        if result is None:
            messages.info(request, f"« {job.label} » est déjà en attente d'exécution.")
            return redirect("backoffice:scheduled_jobs")
        state, _ = JobState.objects.get_or_create(job=job.name)
        record(actor=request.user, action="scheduled_job.start", obj=state, after={"job": name})
    messages.success(request, f"« {job.label} » est mise en file d'attente.")
    return redirect("backoffice:scheduled_jobs")
