"""The family space: each child's credit and tickets; create, print and cancel a ticket.

Every pupil and ticket is looked up through `of_family_user(request.user)`: another family's
id answers 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from passplus.accounts.access import family_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.campaigns.models import SchoolYear
from passplus.core.errors import DomainError
from passplus.core.money import format_cents
from passplus.pupils.models import Pupil, Wallet
from passplus.tickets.documents import (
    FAMILY_INSTRUCTIONS,
    PARTNER_INSTRUCTIONS,
    render_ticket_pdf,
    ticket_pdf_filename,
    ticket_qr_svg,
)
from passplus.tickets.models import Redemption, Ticket, TicketStatus
from passplus.www.family.forms import TicketForm, pupil_wallets

FAMILY_VOID_REASON = "annulé par la famille"


def _family_ticket(request: AuthenticatedHttpRequest, pk: int) -> Ticket:
    tickets = Ticket.objects.of_family_user(request.user).select_related(
        "wallet__pupil", "wallet__school_year"
    )
    return get_object_or_404(tickets, pk=pk)


@family_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    year = SchoolYear.objects.current()
    family_pupils = Pupil.objects.of_family_user(request.user)
    wallets = (
        Wallet.objects.filter(school_year=year, pupil__in=family_pupils)
        .select_related("school_year")
        .with_balance()
        .with_expired()
        .prefetch_related(
            Prefetch(
                "tickets",
                queryset=Ticket.objects.prefetch_related(
                    Prefetch(
                        "redemptions",
                        queryset=Redemption.objects.live().select_related("organisation"),
                        to_attr="live_redemptions",
                    )
                ),
            )
        )
    )
    pupils = list(
        family_pupils.prefetch_related(
            Prefetch("wallets", queryset=wallets, to_attr="year_wallets")
        )
    )
    for pupil in pupils:
        for wallet in pupil.year_wallets:  # type: ignore[attr-defined]
            _sort_and_sum_tickets(wallet)
    return render(
        request,
        "family/home.html",
        {
            "year": year,
            "pupils": pupils,
            "generation_open": bool(year and year.accepts_generation()),
            # Past the deadlines (not merely outside the year): unused credit and tickets lost.
            "credit_lost": bool(year and timezone.localdate() >= year.credit_lost_on),
            "tickets_expired": bool(year and timezone.localdate() >= year.tickets_expire_on),
        },
    )


def _sort_and_sum_tickets(wallet: Wallet) -> None:
    """Live tickets first, cancelled ones after (each group newest first), and the value of the
    tickets created but not used yet, shown apart from the credit left to turn into tickets."""
    tickets = list(wallet.tickets.all())
    wallet.listed_tickets = sorted(  # type: ignore[attr-defined]
        tickets, key=lambda ticket: ticket.status == TicketStatus.VOID
    )
    unused = [
        ticket
        for ticket in tickets
        if ticket.status in (TicketStatus.AVAILABLE, TicketStatus.ASSIGNED)
    ]
    wallet.unused_count = len(unused)  # type: ignore[attr-defined]
    wallet.unused_cents = sum(ticket.amount_cents for ticket in unused)  # type: ignore[attr-defined]


@family_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: AuthenticatedHttpRequest, pupil_pk: int) -> HttpResponse:
    pupil = get_object_or_404(Pupil.objects.of_family_user(request.user), pk=pupil_pk)
    year = SchoolYear.objects.current()
    wallets = pupil_wallets(pupil, year)
    form = TicketForm(request.POST if request.method == "POST" else None, wallets=wallets)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = Ticket.issue(
                wallet=form.cleaned_data["wallet"],
                amount_cents=form.cleaned_data["amount"],
                actor=request.user,
            )
        except DomainError as error:  # e.g. the same form submitted twice: checked under lock
            form.add_error("amount", error.message)
        else:
            messages.success(
                request,
                format_html(
                    "Ticket n° {} de {} créé pour {}. Imprimez-le et remettez-le à "
                    'l\'organisme : <a href="{}">voir le ticket {}</a>, '
                    '<a href="{}">imprimer le ticket {} (PDF)</a>.',
                    ticket.display_number,
                    format_cents(ticket.amount_cents),
                    pupil.first_name,
                    reverse("family:ticket", args=[ticket.pk]),
                    ticket.display_number,
                    reverse("family:ticket_pdf", args=[ticket.pk]),
                    ticket.display_number,
                ),
            )
            return redirect("family:home")
    return render(
        request,
        "family/ticket_new.html",
        {
            "pupil": pupil,
            "year": year,
            "form": form,
            "has_wallets": bool(wallets),
            "generation_open": bool(year and year.accepts_generation()),
        },
    )


@family_required
def ticket_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The ticket as an HTML page (RGAA 13.3, issue 22 §11): the same text as its PDF, which
    reportlab cannot tag for screen readers, and the QR code as an SVG with its text."""
    ticket = _family_ticket(request, pk)
    if not ticket.is_printable():
        return render(request, "family/ticket_unavailable.html", {"ticket": ticket}, status=410)
    wallet = ticket.wallet
    return render(
        request,
        "family/ticket.html",
        {
            "ticket": ticket,
            "pupil": wallet.pupil,
            "year": wallet.school_year,
            "domain": wallet.get_domain_display(),
            "qr_svg": ticket_qr_svg(ticket.number),
            "partner_instructions": PARTNER_INSTRUCTIONS,
            "family_instructions": FAMILY_INSTRUCTIONS,
        },
    )


@family_required
def ticket_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The printable ticket, for an available ticket only: a used, void or expired one gets a
    page saying why (410), never a PDF someone could still hand to a partner."""
    ticket = _family_ticket(request, pk)
    if not ticket.is_printable():
        return render(request, "family/ticket_unavailable.html", {"ticket": ticket}, status=410)
    response = HttpResponse(render_ticket_pdf(ticket), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{ticket_pdf_filename(ticket)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@family_required
@require_http_methods(["GET", "POST"])
def ticket_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET), then the cancellation (POST): the ticket becomes void and its
    amount returns to the wallet (the remaining credit is derived from the live tickets)."""
    ticket = _family_ticket(request, pk)
    refusal = ""
    if ticket.status != TicketStatus.AVAILABLE:
        refusal = _refusal(ticket)
    elif request.method == "POST":
        try:
            ticket.void(actor=request.user, reason=FAMILY_VOID_REASON)
        except DomainError:  # used or cancelled meanwhile (another tab, a partner's entry)
            ticket.refresh_from_db()
            refusal = _refusal(ticket)
        else:
            messages.success(
                request,
                f"Ticket n° {ticket.display_number} annulé : "
                f"{format_cents(ticket.amount_cents)} reviennent au crédit de "
                f"{ticket.wallet.pupil.first_name}.",
            )
            return redirect("family:home")
    status = 409 if refusal and request.method == "POST" else 200
    context = {
        "ticket": ticket,
        "refusal": refusal,
        "generation_open": ticket.wallet.school_year.accepts_generation(),
    }
    return render(request, "family/ticket_cancel.html", context, status=status)


def _refusal(ticket: Ticket) -> str:
    if ticket.status == TicketStatus.USED:
        return "Ce ticket a déjà été utilisé auprès d'un organisme : il ne peut pas être annulé."
    if ticket.status == TicketStatus.VOID:
        return "Ce ticket est déjà annulé."
    if ticket.status == TicketStatus.ASSIGNED:
        return (
            "Ce ticket est affecté à un organisme : pour récupérer le crédit, retirez "
            "l'affectation tant que l'organisme n'a pas répondu."
        )
    return "Ce ticket a expiré : il ne peut plus être annulé."
