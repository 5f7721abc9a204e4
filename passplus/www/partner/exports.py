""" "Télécharger l'état des remboursements": every redemption of the organisation as a CSV for
French Excel, filterable by school year and state, streamed."""

from __future__ import annotations

from collections.abc import Iterator

from django import forms
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone

from passplus.accounts.access import organisation_required
from passplus.core.exports import cell, csv_response, euros_cell, xlsx_response
from passplus.pupils.models import SchoolYear
from passplus.tickets.models import Redemption
from passplus.tickets.numbers import format_ticket_number
from passplus.www.partner.entry import own_organisation
from passplus.www.partner.redemptions import RedemptionFilterForm

HEADER = [
    "Numéro du ticket",
    "Collégien",
    "Date de saisie",
    "Montant (€)",
    "Activité",
    "État",
    "Campagne de remboursement du",
    "Référence du virement",
    "Date du paiement",
]


class ExportFilterForm(RedemptionFilterForm):
    """The list's filters (state, dates), plus the school year."""

    school_year = forms.ModelChoiceField(
        label="Campagne", queryset=SchoolYear.objects.all(), required=False
    )


def export_rows(redemptions: object) -> Iterator[list[str]]:
    for redemption in redemptions.iterator(chunk_size=2000):  # type: ignore[attr-defined]
        pupil = redemption.ticket.wallet.pupil
        payment = redemption.payment
        yield [
            cell(format_ticket_number(redemption.ticket.number)),
            cell(f"{pupil.first_name} {pupil.last_name}"),
            cell(redemption.entered_at),
            euros_cell(redemption.amount_cents),
            cell(redemption.activity.name if redemption.activity else ""),
            cell(redemption.get_status_display()),
            cell(payment.run.cut_off if payment else None),
            cell(payment.end_to_end_id if payment else ""),
            cell(payment.settled_at if payment and payment.status == "paid" else None),
        ]


def _filtered(request: HttpRequest) -> object:
    organisation = own_organisation(request)
    redemptions = Redemption.objects.of_organisation(organisation)
    form = ExportFilterForm(request.GET or None)
    if form.is_valid():
        if form.cleaned_data["school_year"]:
            redemptions = redemptions.filter(
                ticket__wallet__school_year=form.cleaned_data["school_year"]
            )
        data = form.cleaned_data
        if data["status"]:
            redemptions = redemptions.filter(status=data["status"])
        if data["start"]:
            redemptions = redemptions.filter(entered_at__date__gte=data["start"])
        if data["end"]:
            redemptions = redemptions.filter(entered_at__date__lte=data["end"])
    return redemptions.select_related("ticket__wallet__pupil", "activity", "payment__run").order_by(
        "entered_at", "pk"
    )


def _filename(extension: str) -> str:
    return f"remboursements-passplus-{timezone.localdate():%Y-%m-%d}.{extension}"


@organisation_required
def redemptions_csv(request: HttpRequest) -> HttpResponseBase:
    return csv_response(_filename("csv"), HEADER, export_rows(_filtered(request)))


@organisation_required
def redemptions_xlsx(request: HttpRequest) -> HttpResponseBase:
    return xlsx_response(_filename("xlsx"), HEADER, export_rows(_filtered(request)))
