"""Back office record pages: a ticket, a pupil, a family — what the search box leads to.

Every staff role reads them; the ticket's void and restore forms are for `gestionnaire` and
`admin` (the actions themselves are in ticket_actions, with their own role check).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from passplus.accounts.access import staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.audit.presentation import HISTORY_LIMIT, history
from passplus.pupils.models import Family, Pupil, Wallet
from passplus.tickets.models import Redemption, RedemptionStatus, Ticket, TicketStatus
from passplus.www.backoffice.forms import ReasonForm
from passplus.www.backoffice.ticket_actions import VOID_CONFIRM


def _can_act(request: AuthenticatedHttpRequest) -> bool:
    return request.user.is_manager


@staff_required
def ticket_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(
        Ticket.objects.select_related("wallet__pupil__family", "wallet__school_year"), pk=pk
    )
    redemptions = list(
        ticket.redemptions.select_related(
            "organisation", "activity", "entered_by", "payment__run"
        ).order_by("-entered_at", "-id")
    )
    live = next((r for r in redemptions if r.status != RedemptionStatus.CANCELLED), None)
    return render(
        request,
        "backoffice/records/ticket.html",
        {
            "ticket": ticket,
            "pupil": ticket.wallet.pupil,
            "redemptions": redemptions,
            "live": live,
            "can_act": _can_act(request),
            "can_void": ticket.staff_void_refusal(live) is None,
            "can_restore": ticket.status == TicketStatus.VOID and not ticket.was_assigned,
            "void_form": ReasonForm(
                label="Motif de l'annulation", confirm_label=VOID_CONFIRM, auto_id="id_void_%s"
            ),
            "restore_form": ReasonForm(label="Motif du rétablissement", auto_id="id_restore_%s"),
            "events": history([ticket, *redemptions]),
            "event_limit": HISTORY_LIMIT,
        },
    )


@staff_required
def pupil_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pupil = get_object_or_404(Pupil.objects.select_related("family"), pk=pk)
    tickets = Ticket.objects.select_related("wallet__school_year").prefetch_related(
        Prefetch(
            "redemptions",
            queryset=Redemption.objects.live().select_related("organisation"),
            to_attr="live_redemptions",
        )
    )
    wallets = list(
        Wallet.objects.with_balance()
        .filter(pupil=pupil)
        .select_related("school_year")
        .prefetch_related(Prefetch("tickets", queryset=tickets))
        .order_by("-school_year__starts_on", "domain")
    )
    return render(
        request,
        "backoffice/records/pupil.html",
        {
            "pupil": pupil,
            "wallets": wallets,
            "events": history([pupil, *wallets]),
            "event_limit": HISTORY_LIMIT,
        },
    )


@staff_required
def family_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    family = get_object_or_404(Family.objects.select_related("user"), pk=pk)
    return render(
        request,
        "backoffice/records/family.html",
        {
            "family": family,
            "pupils": family.pupils.order_by("last_name", "first_name"),
            "events": history([family, *([family.user] if family.user else [])]),
            "event_limit": HISTORY_LIMIT,
        },
    )
