"""Back office: « Organismes repris sans accès » — the organisations imported from the previous
system whose contact has not created the account yet (nobody can enter their tickets): the list
with the date of the last invitation, its CSV, and resending the invitation to one or to all
(gestionnaire and admin only; each send audited)."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from passplus.accounts.access import manager_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.errors import DomainError
from passplus.core.exports import cell, csv_lines
from passplus.organisations.models import ImportedOrganisation
from passplus.organisations.switch_over.claims import (
    MAX_REMINDERS,
    claim_invitation_send,
    claim_invitations_resend_all,
    unclaimed_organisations,
)
from passplus.organisations.validators import display_phone
from passplus.www import downloads

PAGE_SIZE = 50
# Bytes of one line of the CSV (tests/www/test_downloads.py holds the estimate to the file).
CSV_ROW_BYTES = 200

CSV_HEADER = [
    "Organisme",
    "SIRET",
    "RNA",
    "Commune",
    "État",
    "Contact",
    "E-mail du contact",
    "Portable du contact",
    "Ligne du fichier",
    "Importé le",
    "Dernière invitation le",
    "Lien valable jusqu'au",
    "Relances automatiques",
]


def unclaimed_rows() -> QuerySet[ImportedOrganisation]:
    """Oldest invitation first: those who have waited longest come first."""
    return (
        unclaimed_organisations()
        .select_related("organisation__commune", "invitation")
        .order_by("last_invited_at", "organisation__legal_name", "pk")
    )


@manager_required
def unclaimed_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(unclaimed_rows(), PAGE_SIZE).get_page(request.GET.get("page"))
    count = page.paginator.count
    return render(
        request,
        "backoffice/unclaimed/list.html",
        {
            "page": page,
            "max_reminders": MAX_REMINDERS,
            "reminder_days": settings.PASSPLUS_CLAIM_REMINDER_DAYS,
            "csv_file": downloads.estimated("CSV", count, CSV_ROW_BYTES, 300),
            "now": timezone.now(),
        },
    )


@manager_required
def unclaimed_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(CSV_HEADER, _csv_rows(unclaimed_rows())), content_type="text/csv; charset=utf-8"
    )
    day = timezone.localdate()
    response["Content-Disposition"] = (
        f'attachment; filename="organismes-repris-sans-acces-{day:%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _csv_rows(rows: QuerySet[ImportedOrganisation]) -> Iterator[list[str]]:
    for row in rows.iterator(chunk_size=1000):
        organisation = row.organisation
        yield [
            cell(value)
            for value in (
                organisation.legal_name,
                organisation.siret,
                organisation.rna,
                organisation.commune.name,
                organisation.get_status_display(),
                row.contact_name,
                row.contact_email,
                display_phone(row.contact_mobile) if row.contact_mobile else "",
                row.line,
                row.imported_at,
                row.last_invited_at,
                row.invitation.expires_at if row.invitation else None,
                f"{row.reminders_sent} sur {MAX_REMINDERS}",
            )
        ]


@require_POST
@manager_required
def claim_invitation_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    imported = get_object_or_404(ImportedOrganisation.objects.select_related("organisation"), pk=pk)
    try:
        claim_invitation_send(imported, actor=request.user)
    except DomainError as error:
        messages.error(request, f"« {imported.organisation.legal_name} » : {error.message}")
    else:
        messages.success(
            request,
            f"Invitation renvoyée à {imported.contact_email} pour "
            f"« {imported.organisation.legal_name} » : le lien précédent ne fonctionne plus.",
        )
    return redirect("backoffice:unclaimed_organisations")


@require_POST
@manager_required
def claim_invitations_resend_all_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        count = claim_invitations_resend_all(actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Les invitations partent en arrière-plan vers {count} organisme"
            f"{'s' if count > 1 else ''} : chaque lien précédent cesse de fonctionner.",
        )
    return redirect("backoffice:unclaimed_organisations")
