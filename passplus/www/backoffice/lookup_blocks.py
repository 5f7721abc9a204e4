"""Ticket look-up blocks: who is blocked for guessing, until when, whose failures caused each
block (organisations and users, with their counts); lift a block."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from passplus.accounts.access import manager_required, staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.accounts.models import User
from passplus.organisations.models import Organisation
from passplus.tickets.models.throttle import LookupFailure, LookupThrottle


@dataclass
class Cause:
    """Whose failures, and how many, one block counted."""

    organisations: list[tuple[Organisation, int]] = field(default_factory=list)
    users: list[tuple[User, int]] = field(default_factory=list)


def causes(blocks: list[LookupThrottle]) -> dict[int, Cause]:
    """For each block, the organisations and the users whose failures it counted, most first."""
    found: dict[int, Cause] = defaultdict(Cause)
    rows = LookupFailure.objects.filter(throttle__in=blocks)
    by_organisation = rows.values("throttle_id", "organisation_id").annotate(n=Count("id"))
    by_user = rows.values("throttle_id", "user_id").annotate(n=Count("id"))
    organisations = Organisation.objects.in_bulk(
        {row["organisation_id"] for row in by_organisation if row["organisation_id"]}
    )
    users = User.objects.in_bulk({row["user_id"] for row in by_user if row["user_id"]})
    for row in sorted(by_organisation, key=lambda row: -row["n"]):
        if row["organisation_id"] in organisations:
            organisation = organisations[row["organisation_id"]]
            found[row["throttle_id"]].organisations.append((organisation, row["n"]))
    for user_row in sorted(by_user, key=lambda row: -row["n"]):
        if user_row["user_id"] in users:
            user = users[user_row["user_id"]]
            found[user_row["throttle_id"]].users.append((user, user_row["n"]))
    return found


@staff_required
def block_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    blocks = list(
        LookupThrottle.objects.blocking().select_related("organisation").order_by("-blocked_until")
    )
    by_block = causes(blocks)
    rows = [(block, by_block.get(block.pk, Cause())) for block in blocks]
    limits = {
        "max_failures": settings.PASSPLUS_LOOKUP_MAX_FAILURES,
        "max_failures_per_address": settings.PASSPLUS_LOOKUP_MAX_FAILURES_PER_ADDRESS,
    }
    return render(request, "backoffice/lookup_blocks.html", {"rows": rows, **limits})


@require_POST
@manager_required
def block_lift(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    block = get_object_or_404(LookupThrottle.objects.blocking(), pk=pk)
    block.lift(actor=request.user)
    messages.success(request, f"Blocage levé : {block}.")
    return redirect("backoffice:lookup_blocks")
