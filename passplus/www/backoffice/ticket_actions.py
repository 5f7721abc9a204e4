"""Back office: void a ticket (fraud, pupil gone…) while it is not in a payment run, or restore
a wrongly voided one. Gestionnaire and admin only; a reason is required; both audited."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from passplus.accounts.access import manager_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.errors import DomainError
from passplus.tickets.models import Ticket
from passplus.tickets.services import ticket_void_by_staff
from passplus.www.backoffice.forms import IRREVERSIBLE, ReasonForm

VOID_CONFIRM = "Je confirme l'annulation de ce ticket."


def _reason(request: HttpRequest, label: str, confirm_label: str | None = None) -> str | None:
    form = ReasonForm(request.POST, label=label, confirm_label=confirm_label)
    if not form.is_valid():
        missing_reason = "reason" in form.errors
        messages.error(request, f"{label} : indiquez le motif." if missing_reason else IRREVERSIBLE)
        return None
    return str(form.cleaned_data["reason"])


@require_POST
@manager_required
def ticket_void(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=pk)
    reason = _reason(request, "Annulation du ticket", confirm_label=VOID_CONFIRM)
    if reason is not None:
        try:
            ticket_void_by_staff(ticket=ticket, actor=request.user, reason=reason)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"Ticket {ticket.display_number} annulé : son montant revient au crédit."
            )
    return redirect("backoffice:ticket", pk=pk)


@require_POST
@manager_required
def ticket_restore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=pk)
    reason = _reason(request, "Rétablissement du ticket")
    if reason is not None:
        try:
            ticket.restore(actor=request.user, reason=reason)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Ticket {ticket.display_number} rétabli.")
    return redirect("backoffice:ticket", pk=pk)
