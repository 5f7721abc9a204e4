"""The back office's pupil import: upload a CSV file, follow its check, read the report, then
import every line, or explicitly only the valid ones. Gestionnaire and admin only."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from passplus.accounts.access import manager_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.errors import DomainError
from passplus.pupils import import_requests
from passplus.pupils.csv_import import COLUMNS, sample_lines
from passplus.pupils.models import ImportJob, ImportMode
from passplus.www.backoffice.import_pages import import_job_context, retried_message
from passplus.www.backoffice.pupil_forms import ImportUploadForm


@manager_required
def import_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_requests.import_job_upload(
                school_year=form.cleaned_data["school_year"],
                upload=form.cleaned_data["file"],
                actor=request.user,
            )
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            return redirect("backoffice:pupil_import_job", pk=job.pk)
    return render(
        request,
        "backoffice/pupil_import/upload.html",
        {
            "form": form,
            "columns": [label for label, _aliases in COLUMNS.values()],
            "sample": "\n".join(sample_lines()),
            "jobs": ImportJob.objects.select_related("school_year", "created_by")[:10],
        },
    )


@manager_required
def import_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.select_related("school_year"), pk=pk)
    return render(request, "backoffice/pupil_import/job.html", import_job_context(request, job))


@require_POST
@manager_required
def import_job_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk)
    mode = request.POST.get("mode", "")
    if mode not in ImportMode.values:
        messages.error(request, "Choix d'import inconnu.")
        return redirect("backoffice:pupil_import_job", pk=pk)
    try:
        import_requests.import_job_request(job=job, mode=mode, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Import lancé : cette page se met à jour toute seule.")
    return redirect("backoffice:pupil_import_job", pk=pk)


@require_POST
@manager_required
def import_job_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Start a failed job's step again (check or import): the same file, the same totals."""
    job = get_object_or_404(ImportJob, pk=pk)
    try:
        step = import_requests.import_job_retry(job=job, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, retried_message(step))
    return redirect("backoffice:pupil_import_job", pk=pk)
