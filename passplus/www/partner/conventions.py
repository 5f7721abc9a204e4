"""The partner's signed conventions: shown and downloadable at any time, only its own."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from passplus.accounts.access import organisation_required
from passplus.conventions.models import Convention, ConventionStatus


def _own_signed(request: HttpRequest, pk: int) -> Convention:
    return get_object_or_404(
        Convention.objects.select_related("version", "organisation"),
        pk=pk,
        organisation=request.user.organisation,  # type: ignore[union-attr]
        status=ConventionStatus.SIGNED,
    )


@organisation_required
def convention(request: HttpRequest, pk: int) -> HttpResponse:
    signed = _own_signed(request, pk)
    return render(
        request,
        "partner/convention.html",
        {
            "convention": signed,
            "signature": signed.signatures.filter(status="signed").first(),
        },
    )


@organisation_required
def convention_pdf(request: HttpRequest, pk: int) -> FileResponse:
    signed = _own_signed(request, pk)
    if not signed.signed_pdf:
        raise Http404("Document indisponible.")
    return FileResponse(
        signed.signed_pdf.open("rb"),
        as_attachment=True,
        filename=f"convention-passplus-{signed.version.label}.pdf",
        content_type="application/pdf",
    )
