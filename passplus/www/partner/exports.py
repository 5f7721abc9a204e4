""" "Télécharger l'état des remboursements": every redemption of the organisation as a CSV for
French Excel, filterable by school year and state, streamed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Case, QuerySet, Value, When
from django.db.models.functions import Concat, Substr
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.text import slugify

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.campaigns.models import SchoolYear
from passplus.core.exports import (
    csv_response,
    excel_day,
    excel_euros,
    excel_label,
    excel_text,
    xlsx_response,
)
from passplus.organisations.models import Organisation
from passplus.payments.models import PaymentStatus
from passplus.tickets.models import Redemption, RedemptionStatus
from passplus.www.partner.access import partner_view
from passplus.www.partner.redemptions import RedemptionFilterForm, search_condition

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
        label="Année scolaire", queryset=SchoolYear.objects.all(), required=False
    )


def export_rows(redemptions: QuerySet[Redemption]) -> QuerySet[Redemption, tuple[str, ...]]:
    """Every cell computed by the database (French Excel format, formulas neutralised), so that
    200,000 rows stream at the speed of the database: no model instances, no per-cell Python."""
    number = "ticket__number"
    rows = redemptions.annotate(
        csv_number=ticket_number_spaced(number),
        csv_pupil=excel_text(
            Concat(
                "ticket__wallet__pupil__first_name", Value(" "), "ticket__wallet__pupil__last_name"
            )
        ),
        csv_entered=excel_day("entered_at"),
        csv_amount=excel_euros("amount_cents"),
        csv_activity=excel_text("activity__name"),
        csv_status=excel_label("status", RedemptionStatus.choices),
        csv_run=excel_day("payment__run__cut_off"),
        csv_reference=excel_text("payment__end_to_end_id"),
        csv_paid=Case(
            When(payment__status=PaymentStatus.PAID, then=excel_day("payment__settled_at")),
            default=Value(""),
        ),
    ).values_list(
        "csv_number",
        "csv_pupil",
        "csv_entered",
        "csv_amount",
        "csv_activity",
        "csv_status",
        "csv_run",
        "csv_reference",
        "csv_paid",
    )
    return rows


def xlsx_rows(redemptions: QuerySet[Redemption]) -> Iterator[list[Any]]:
    """The same columns with their types for Excel: amounts in euros (numbers), days as dates
    (in the site's time zone). Text cells are neutralised by xlsx_response."""
    rows = (
        redemptions.annotate(
            x_number=ticket_number_spaced("ticket__number"),
            x_pupil=Concat(
                "ticket__wallet__pupil__first_name", Value(" "), "ticket__wallet__pupil__last_name"
            ),
            x_status=excel_label("status", RedemptionStatus.choices),
        )
        .values_list(
            "x_number",
            "x_pupil",
            "entered_at",
            "amount_cents",
            "activity__name",
            "x_status",
            "payment__run__cut_off",
            "payment__end_to_end_id",
            "payment__status",
            "payment__settled_at",
        )
        .iterator(chunk_size=5000)
    )
    for number, pupil, entered, cents, activity, status, cut_off, reference, paid, settled in rows:
        yield [
            number,
            pupil,
            local_day(entered),
            Decimal(cents) / 100,
            activity or "",
            status,
            local_day(cut_off),
            reference or "",
            local_day(settled) if paid == PaymentStatus.PAID else None,
        ]


def local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def ticket_number_spaced(number: str) -> Concat:
    """XXXX XXXX XXXX..., as printed on the ticket."""
    return Concat(
        Substr(number, 1, 4), Value(" "), Substr(number, 5, 4), Value(" "), Substr(number, 9)
    )


def _filtered(
    request: HttpRequest, organisation: Organisation
) -> tuple[QuerySet[Redemption], dt.date | None, dt.date | None]:
    """The rows the list shows, in its order (newest first), and the period typed if any."""
    redemptions = Redemption.objects.of_organisation(organisation)
    form = ExportFilterForm(request.GET or None)
    start = end = None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        if form.cleaned_data["school_year"]:
            redemptions = redemptions.filter(
                ticket__wallet__school_year=form.cleaned_data["school_year"]
            )
        data = form.cleaned_data
        if data["q"]:  # the list's search: the file holds what the screen lists
            redemptions = redemptions.filter(search_condition(data["q"]))
        if data["status"]:
            redemptions = redemptions.filter(status=data["status"])
        if data["start"]:
            redemptions = redemptions.filter(entered_at__date__gte=data["start"])
        if data["end"]:
            redemptions = redemptions.filter(entered_at__date__lte=data["end"])
    # The screen's order (passplus.www.partner.redemptions), so that the file reads like it.
    return redemptions.order_by("-entered_at", "-pk"), start, end


def _filename(
    organisation: Organisation,
    redemptions: QuerySet[Redemption],
    start: dt.date | None,
    end: dt.date | None,
    extension: str,
) -> str:
    """passplus-saisies-<organisation>-<first day>-<last day>: the period typed, else from the
    first entry listed (today if none) to today."""
    if start is None:
        first = redemptions.order_by("entered_at").values_list("entered_at", flat=True).first()
        start = local_day(first) or timezone.localdate()
    end = end or timezone.localdate()
    slug = slugify(organisation.legal_name)[:50] or "organisme"
    return f"passplus-saisies-{slug}-{start:%Y-%m-%d}-{end:%Y-%m-%d}.{extension}"


@partner_view
def redemptions_csv(
    request: AuthenticatedHttpRequest, organisation: Organisation
) -> HttpResponseBase:
    rows, start, end = _filtered(request, organisation)
    return csv_response(_filename(organisation, rows, start, end, "csv"), HEADER, export_rows(rows))


@partner_view
def redemptions_xlsx(
    request: AuthenticatedHttpRequest, organisation: Organisation
) -> HttpResponseBase:
    rows, start, end = _filtered(request, organisation)
    return xlsx_response(_filename(organisation, rows, start, end, "xlsx"), HEADER, xlsx_rows(rows))
