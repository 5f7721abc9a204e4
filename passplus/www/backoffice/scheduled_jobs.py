"""Back office: "Tâches planifiées" — each periodic job's schedule, last run, outcome and next
run, whether a scheduler is running, and (admins) running a job now."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from passplus.accounts.access import admin_required, staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.scheduling import services
from passplus.scheduling.jobs import JOBS_BY_NAME
from passplus.scheduling.overview import active_scheduler, job_rows


@staff_required
def scheduled_jobs(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "backoffice/scheduled_jobs.html",
        {"rows": job_rows(now), "scheduler": active_scheduler(), "now": now},
    )


@require_POST
@admin_required
def scheduled_job_start(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    """Enqueue one run now (e.g. after fixing the cause of a failure). Audited."""
    job = JOBS_BY_NAME.get(name)
    if job is None:
        raise Http404
    started = services.scheduled_job_start(
        name=job.name,
        actor=request.user,
    )
    if not started:
        messages.info(request, f"« {job.label} » est déjà en attente d'exécution.")
        return redirect("backoffice:scheduled_jobs")
    messages.success(request, f"« {job.label} » est mise en file d'attente.")
    return redirect("backoffice:scheduled_jobs")
