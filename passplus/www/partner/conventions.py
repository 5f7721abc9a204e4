"""The partner's signed conventions: shown and downloadable at any time, only its own; for an
organisation imported from the previous system (docs/switch-over.md), the convention it signed
there, not sealed by this platform."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.conventions.models import Convention, ConventionStatus
from passplus.organisations.models import ImportedOrganisation, Organisation
from passplus.www.partner.access import partner_view


def _own_signed(organisation: Organisation, pk: int) -> Convention:
    return get_object_or_404(
        Convention.objects.select_related("version", "organisation"),
        pk=pk,
        organisation=organisation,
        status=ConventionStatus.SIGNED,
    )


def previous_convention(organisation: Organisation) -> ImportedOrganisation | None:
    """What the previous system recorded of `organisation`'s convention, when it was imported
    and has signed none here (its pages then show that one instead of a sealed PDF)."""
    if organisation.conventions.filter(status=ConventionStatus.SIGNED).exists():
        return None
    return ImportedOrganisation.objects.filter(organisation=organisation).first()


@partner_view
def convention(
    request: AuthenticatedHttpRequest, organisation: Organisation, pk: int
) -> HttpResponse:
    signed = _own_signed(organisation, pk)
    return render(
        request,
        "partner/convention.html",
        {
            "convention": signed,
            "signature": signed.signatures.filter(status="signed").first(),
        },
    )


@partner_view
def convention_pdf(
    request: AuthenticatedHttpRequest, organisation: Organisation, pk: int
) -> FileResponse:
    signed = _own_signed(organisation, pk)
    if not signed.signed_pdf:
        raise Http404("Document indisponible.")
    return FileResponse(
        signed.signed_pdf.open("rb"),
        as_attachment=True,
        filename=f"convention-passplus-{signed.version.label}.pdf",
        content_type="application/pdf",
    )


@partner_view
def previous_convention_pdf(
    request: AuthenticatedHttpRequest, organisation: Organisation
) -> FileResponse:
    """The PDF of the convention signed in the previous system, as imported: its own only."""
    imported = get_object_or_404(ImportedOrganisation, organisation=organisation)
    if not imported.convention_document:
        raise Http404("Document indisponible.")
    return FileResponse(
        imported.convention_document.open("rb"),
        as_attachment=True,
        filename="convention-systeme-precedent.pdf",
        content_type="application/pdf",
    )
