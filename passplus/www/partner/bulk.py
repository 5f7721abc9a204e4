"""Bulk ticket entry: paste or upload "number; birth date" lines, review each line's result,
then confirm the valid ones in one go (each still entered in its own transaction)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.accounts.models import User
from passplus.core.errors import DomainError
from passplus.core.http import client_ip
from passplus.organisations.models import Organisation
from passplus.tickets.models import Redemption, Ticket
from passplus.tickets.services import redemption_enter, redemption_refusal, ticket_lookup
from passplus.www.partner.access import partner_view
from passplus.www.partner.entry import SESSION_TTL_SECONDS, used_elsewhere
from passplus.www.partner.entry_forms import USED_ELSEWHERE_ADVICE, BulkEntryForm, BulkLine

SESSION_KEY = "bulk_entry"


@dataclass
class ReviewedLine:
    line: BulkLine
    ticket: Ticket | None = None
    error: str = ""
    redemption: Redemption | None = None


def review_lines(
    lines: list[BulkLine],
    organisation: Organisation,
    ip: str | None,
    user: User | None = None,
) -> list[ReviewedLine]:
    reviewed: list[ReviewedLine] = []
    seen: set[str] = set()
    for line in lines:
        item = ReviewedLine(line=line, error=line.error)
        if not item.error and line.number in seen:
            item.error = "Ce numéro figure déjà plus haut dans la liste."
        if not item.error:
            seen.add(line.number)
            assert line.birth_date is not None
            try:
                item.ticket = ticket_lookup(
                    number=line.number,
                    birth_date=line.birth_date,
                    organisation=organisation,
                    ip=ip,
                    user=user,
                )
            except DomainError as error:
                item.error = str(error)
            else:
                item.error = redemption_refusal(ticket=item.ticket, organisation=organisation) or ""
        reviewed.append(item)
    return reviewed


@partner_view
@never_cache
def bulk_entry(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    if not organisation.may_redeem:
        return render(request, "partner/entry/closed.html", {"organisation": organisation})
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request, organisation)
    form = BulkEntryForm(request.POST or None, request.FILES or None)
    reviewed: list[ReviewedLine] = []
    if request.method == "POST" and form.is_valid():
        reviewed = review_lines(
            form.cleaned_data["parsed"], organisation, client_ip(request), request.user
        )
        valid = [item.ticket.pk for item in reviewed if item.ticket and not item.error]
        # The refused lines are listed again, with their reason, after the confirmation.
        refused = [
            {"line": item.line.line_number, "raw": item.line.raw, "error": item.error}
            for item in reviewed
            if item.error
        ]
        request.session[SESSION_KEY] = {"tickets": valid, "refused": refused, "at": time.time()}
    return render(
        request,
        "partner/entry/bulk.html",
        {
            "form": form,
            "reviewed": reviewed,
            "valid_count": sum(1 for item in reviewed if item.ticket and not item.error),
            "used_advice": USED_ELSEWHERE_ADVICE
            if any(
                item.error and item.ticket and used_elsewhere(item.ticket, organisation)
                for item in reviewed
            )
            else "",
        },
    )


def _confirm(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    stored = request.session.pop(SESSION_KEY, None) or {}
    fresh = time.time() - stored.get("at", 0) <= SESSION_TTL_SECONDS
    tickets = Ticket.objects.filter(pk__in=stored.get("tickets", []) if fresh else [])
    results: list[ReviewedLine] = []
    for ticket in tickets.select_related("wallet__pupil").order_by("pk"):
        item = ReviewedLine(line=BulkLine(line_number=0, raw=ticket.display_number), ticket=ticket)
        try:
            item.redemption = redemption_enter(
                ticket=ticket, organisation=organisation, actor=request.user
            )
        except DomainError as error:
            item.error = str(error)
        results.append(item)
    return render(
        request,
        "partner/entry/bulk_done.html",
        {
            "results": results,
            "entered": sum(1 for item in results if item.redemption),
            "expired_session": not fresh or not stored,
            "refused": stored.get("refused", []) if fresh else [],
        },
    )
