"""Ticket entry at the front desk: number + birth date → confirmation screen → entered.

The ticket found by a look-up is kept in the session (never in a URL or a hidden field), so
the confirmation cannot be pointed at another ticket by changing an id. It is kept
SESSION_TTL_SECONDS: the confirmation screen says until when, and extends it on request; once
it has expired, the look-up form comes back filled with what was typed, so that one click
looks the ticket up again (WCAG 2.2.1, issue 22 §2).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.errors import DomainError
from passplus.core.http import client_ip
from passplus.organisations.models import Organisation
from passplus.tickets.models import Ticket
from passplus.tickets.services import redemption_enter, redemption_refusal, ticket_lookup
from passplus.www.partner.access import partner_view
from passplus.www.partner.entry_forms import (
    USED_ELSEWHERE_ADVICE,
    ConfirmForm,
    TicketLookupForm,
)

SESSION_KEY = "entry_ticket"
SESSION_TTL_SECONDS = 10 * 60
# « Prolonger » is offered when less than this remains at render (issue 33 §2): before that it
# would be the first button of a phone's screen, above « Confirmer la saisie ».
EXTEND_OFFER_SECONDS = 3 * 60


def activities_for(organisation: Organisation, ticket: Ticket) -> Any:
    return organisation.activities.filter(domain__in=ticket.domains).order_by("name")


def used_elsewhere(ticket: Ticket, organisation: Organisation) -> bool:
    """The ticket has a live entry by another organisation (never said which)."""
    return ticket.redemptions.live().exclude(organisation_id=organisation.pk).exists()


@partner_view
@never_cache
def lookup(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    if not organisation.may_redeem:
        return render(request, "partner/entry/closed.html", {"organisation": organisation})
    form = TicketLookupForm(request.POST or None, initial=_typed_before_expiry(request))
    if request.method == "POST" and form.is_valid():
        try:
            ticket = ticket_lookup(
                number=form.cleaned_data["number"],
                birth_date=form.cleaned_data["birth_date"],
                organisation=organisation,
                ip=client_ip(request),
                user=request.user,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            request.session[SESSION_KEY] = {
                "ticket": ticket.pk,
                "at": time.time(),
                # What was typed, to fill the form again if the check expires.
                "number": form.cleaned_data["number"],
                "birth_date": form.cleaned_data["birth_date"].isoformat(),
            }
            return redirect("partner:entry_confirm")
    return render(request, "partner/entry/lookup.html", {"form": form})


def _has_expired(stored: dict[str, Any]) -> bool:
    return bool(time.time() - stored.get("at", 0) > SESSION_TTL_SECONDS)


def _typed_before_expiry(request: HttpRequest) -> dict[str, Any]:
    """The number and birth date of a look-up whose check expired (empty otherwise)."""
    stored = request.session.get(SESSION_KEY)
    if not stored or not _has_expired(stored) or "number" not in stored:
        return {}
    return {
        "number": stored["number"],
        "birth_date": dt.date.fromisoformat(stored["birth_date"]),
    }


def _back_to_lookup(request: HttpRequest) -> HttpResponse:
    if _typed_before_expiry(request):
        messages.warning(
            request,
            f"La vérification a expiré ({SESSION_TTL_SECONDS // 60} minutes sans confirmation). "
            "Le numéro et la date de naissance sont remplis : relancez la recherche.",
        )
    else:
        messages.info(request, "Saisissez le numéro du ticket et la date de naissance.")
    return redirect("partner:entry")


def _expires_at(request: HttpRequest) -> dt.datetime:
    stored = request.session[SESSION_KEY]
    return timezone.localtime(
        dt.datetime.fromtimestamp(stored["at"] + SESSION_TTL_SECONDS, tz=dt.UTC)
    )


def _seconds_left(request: HttpRequest) -> float:
    return float(request.session[SESSION_KEY]["at"] + SESSION_TTL_SECONDS - time.time())


def _ticket_in_session(request: HttpRequest) -> Ticket | None:
    stored = request.session.get(SESSION_KEY)
    if not stored or _has_expired(stored):
        return None
    return (
        Ticket.objects.select_related("wallet__pupil", "wallet__school_year")
        .filter(pk=stored["ticket"])
        .first()
    )


@partner_view
@never_cache
def confirm(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    ticket = _ticket_in_session(request)
    if ticket is None:
        return _back_to_lookup(request)
    activities = activities_for(organisation, ticket)
    form = ConfirmForm(request.POST if request.method == "POST" else None, activities=activities)
    # On POST the rules are checked once, by redemption_enter, under the ticket's row lock.
    refusal = (
        None
        if request.method == "POST"
        else redemption_refusal(ticket=ticket, organisation=organisation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            redemption = redemption_enter(
                ticket=ticket,
                organisation=organisation,
                actor=request.user,
                activity=form.cleaned_data["activity"],
            )
        except DomainError as error:
            refusal = str(error)
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(request, "Ticket saisi : il sera remboursé au prochain virement.")
            return redirect("partner:redemption", pk=redemption.pk)
    return render(
        request,
        "partner/entry/confirm.html",
        {
            "ticket": ticket,
            "pupil": ticket.wallet.pupil,
            "year": ticket.wallet.school_year,
            "form": form,
            "refusal": refusal,
            "has_activities": request.method == "GET" and activities.exists(),
            "expires_at": _expires_at(request),
            "offer_extension": _seconds_left(request) < EXTEND_OFFER_SECONDS,
            "minutes": SESSION_TTL_SECONDS // 60,
            "used_advice": USED_ELSEWHERE_ADVICE
            if refusal and used_elsewhere(ticket, organisation)
            else "",
        },
    )


@partner_view
@require_POST
def extend(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    """ "Prolonger": the check of the looked-up ticket is valid SESSION_TTL_SECONDS more."""
    if _ticket_in_session(request) is None:
        return _back_to_lookup(request)
    request.session[SESSION_KEY] = {**request.session[SESSION_KEY], "at": time.time()}
    messages.success(
        request,
        f"Vérification prolongée : confirmez avant {_expires_at(request):%H:%M}.",
    )
    return redirect("partner:entry_confirm")
