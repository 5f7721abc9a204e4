from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from passplus.accounts.access import staff_required
from passplus.core.reporting import status_summary
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation
from passplus.payments.models import PaymentRun
from passplus.pupils.models import Pupil, SchoolYear, Wallet
from passplus.tickets.models import Ticket, TicketStatus


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    year = SchoolYear.objects.current()
    pupils = Pupil.objects.filter(wallets__school_year=year).distinct()
    return render(
        request,
        "backoffice/home.html",
        {
            "year": year,
            "pupil_count": pupils.count(),
            "scholarship_count": pupils.filter(is_scholarship=True).count(),
            "granted_cents": Wallet.objects.filter(school_year=year).aggregate(
                total=Sum("granted_cents")
            )["total"]
            or 0,
            "ticket_summary": status_summary(
                Ticket.objects.filter(wallet__school_year=year),
                TicketStatus.choices,
                amount_field="amount_cents",
            ),
            "organisation_summary": status_summary(
                Organisation.objects.all(), OrganisationStatus.choices
            ),
            "runs": PaymentRun.objects.all()[:5],
        },
    )
