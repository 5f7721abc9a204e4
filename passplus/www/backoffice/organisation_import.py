"""The back office's « Reprise des organismes » (docs/switch-over.md): upload the previous
system's CSV file of organisations (and a ZIP of their documents), follow its check, read the
report by line, then import every line, or explicitly only the valid ones; afterwards, the
organisations whose bank details differ from the file. Gestionnaire and admin only.

The work is done by passplus.organisations.switch_over.requests and its background tasks; this
page only reads the job and hands the staff's requests over."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from passplus.accounts.access import manager_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.errors import DomainError
from passplus.core.request_size import megabytes
from passplus.organisations.models import (
    OrganisationImport,
    OrganisationImportMode,
    OrganisationImportStatus,
)
from passplus.organisations.switch_over import requests as import_requests
from passplus.organisations.switch_over.lines import COLUMNS, REQUIRED_COLUMNS
from passplus.www.backoffice.import_pages import import_job_context, retried_message

RECENT_JOBS = 10


class OrganisationImportForm(forms.Form):
    """The file and its optional archive; their size and content are checked by the upload
    service and the background check, whose French messages the page shows."""

    file = forms.FileField(
        label="Fichier CSV des organismes",
        help_text=(
            "Séparateur « ; » ou « , », encodage UTF-8 ou Windows-1252, une ligne d'en-tête."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={
            "required": "Choisissez un fichier.",
            "empty": "Le fichier est vide.",
            "invalid": "Ce n'est pas un fichier.",
        },
    )
    documents = forms.FileField(
        label="Documents (facultatif)",
        required=False,
        help_text=(
            "Une archive ZIP des RIB et des conventions signées, nommés comme dans les colonnes "
            "« fichier rib » et « fichier convention »."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        error_messages={"empty": "L'archive est vide.", "invalid": "Ce n'est pas un fichier."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text += f" {megabytes(import_requests.MAX_FILE_BYTES)} au plus."
        documents_limit = megabytes(settings.PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES)
        self.fields["documents"].help_text += f" {documents_limit} au plus."


def _columns() -> list[dict[str, Any]]:
    return [
        {"label": label, "required": field in REQUIRED_COLUMNS}
        for field, (label, _aliases) in COLUMNS.items()
    ]


@manager_required
def organisation_import_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = OrganisationImportForm(*((request.POST, request.FILES) if posted else ()))
    if posted and form.is_valid():
        try:
            job = import_requests.organisation_import_upload(
                upload=form.cleaned_data["file"],
                documents=form.cleaned_data["documents"] or None,
                actor=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("backoffice:organisation_import_job", pk=job.pk)
    return render(
        request,
        "backoffice/organisation_import/upload.html",
        {
            "form": form,
            "columns": _columns(),
            "jobs": OrganisationImport.objects.select_related("created_by")[:RECENT_JOBS],
        },
    )


@manager_required
def organisation_import_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(
        OrganisationImport.objects.select_related("created_by", "imported_by"), pk=pk
    )
    imported = job.status == OrganisationImportStatus.IMPORTED
    return render(
        request,
        "backoffice/organisation_import/job.html",
        {
            **import_job_context(request, job),
            "left_out": imported and job.mode == OrganisationImportMode.VALID_ONLY,
            "differences": job.bank_differences if imported else [],
        },
    )


@require_POST
@manager_required
def organisation_import_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(OrganisationImport, pk=pk)
    mode = request.POST.get("mode", "")
    if mode not in OrganisationImportMode.values:
        messages.error(request, "Choix d'import inconnu.")
        return redirect("backoffice:organisation_import_job", pk=pk)
    try:
        import_requests.organisation_import_request(
            job=job, mode=OrganisationImportMode(mode), actor=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Import lancé : cette page se met à jour toute seule.")
    return redirect("backoffice:organisation_import_job", pk=pk)


@require_POST
@manager_required
def organisation_import_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Start a failed job's step again (check or import): the same files, the same totals."""
    job = get_object_or_404(OrganisationImport, pk=pk)
    try:
        step = import_requests.organisation_import_retry(job=job, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, retried_message(step))
    return redirect("backoffice:organisation_import_job", pk=pk)
