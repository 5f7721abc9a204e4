"""Ticket look-up blocks: who is blocked for guessing, until when; lift a block."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from passplus.accounts.access import manager_required, staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.tickets.models.throttle import LookupThrottle


@staff_required
def block_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    blocks = (
        LookupThrottle.objects.blocking().select_related("organisation").order_by("-blocked_until")
    )
    return render(request, "backoffice/lookup_blocks.html", {"blocks": blocks})


@require_POST
@manager_required
def block_lift(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    block = get_object_or_404(LookupThrottle.objects.blocking(), pk=pk)
    block.lift(actor=request.user)
    messages.success(request, f"Blocage levé : {block}.")
    return redirect("backoffice:lookup_blocks")
