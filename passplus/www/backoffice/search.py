"""Back office: one search box for organisations, pupils, families, tickets and transfers.

Each type is looked up by its own queryset method (`staff_search`, `matching`,
`number_matching`); this view only reads the query, runs them and lists typed results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from passplus.accounts.access import staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.money import format_cents
from passplus.organisations.models import Organisation
from passplus.payments.models import Payment
from passplus.pupils.models import Family, Pupil
from passplus.tickets.models import Ticket
from passplus.tickets.numbers import (
    TICKET_NUMBER_LENGTH,
    is_valid_ticket_number,
    normalise_ticket_number,
)

RESULTS_PER_TYPE = 20
MIN_LENGTH = 2


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Organisme, collégien, famille, numéro de ticket ou référence de virement",
        max_length=200,
        min_length=MIN_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
        error_messages={
            "required": "Saisissez ce que vous cherchez.",
            "min_length": f"Saisissez au moins {MIN_LENGTH} caractères.",
            "max_length": "Votre recherche est trop longue (200 caractères au plus).",
        },
    )


@dataclass(frozen=True)
class Hit:
    title: str
    detail: str
    url: str


@dataclass(frozen=True)
class ResultGroup:
    key: str
    title: str
    hits: list[Hit]
    total: int


def _birth_date(text: str) -> dt.date | None:
    for layout in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), layout).date()
        except ValueError:
            continue
    return None


def _group(key: str, title: str, queryset: QuerySet[Any], hit: Callable[[Any], Hit]) -> ResultGroup:
    rows = list(queryset[:RESULTS_PER_TYPE])
    total = len(rows) if len(rows) < RESULTS_PER_TYPE else queryset.count()
    return ResultGroup(key, title, [hit(row) for row in rows], total)


def _organisation_hit(organisation: Organisation) -> Hit:
    detail = f"{organisation.commune.name} — {organisation.get_status_display()}"
    if organisation.siret:
        detail += f" — SIRET {organisation.siret}"
    return Hit(
        organisation.display_name,
        detail,
        reverse("backoffice:organisation", args=[organisation.pk]),
    )


def _pupil_hit(pupil: Pupil) -> Hit:
    return Hit(
        str(pupil),
        f"né(e) le {pupil.birth_date:%d/%m/%Y} — {pupil.college}, {pupil.school_class}",
        reverse("backoffice:pupil", args=[pupil.pk]),
    )


def _family_hit(family: Family) -> Hit:
    return Hit(family.parent_name, family.email, reverse("backoffice:family", args=[family.pk]))


def _ticket_hit(ticket: Ticket) -> Hit:
    return Hit(
        ticket.display_number,
        f"{format_cents(ticket.amount_cents)} — {ticket.get_status_display()} — "
        f"{ticket.wallet.pupil}",
        reverse("backoffice:ticket", args=[ticket.pk]),
    )


def _payment_hit(payment: Payment) -> Hit:
    return Hit(
        payment.end_to_end_id,
        f"{payment.organisation.display_name} — {format_cents(payment.amount_cents)} — "
        f"{payment.get_status_display()}",
        reverse("backoffice:payment_run", args=[payment.run_id]),
    )


def search_everything(text: str) -> list[ResultGroup]:
    """Typed results for `text`, in the order the groups are shown."""
    birth_date = _birth_date(text)
    return [
        _group(
            "tickets",
            "Tickets",
            Ticket.objects.number_matching(text).select_related("wallet__pupil").order_by("number"),
            _ticket_hit,
        ),
        _group(
            "organismes",
            "Organismes",
            Organisation.objects.staff_search(text)
            .select_related("commune")
            .order_by("legal_name", "pk"),
            _organisation_hit,
        ),
        _group(
            "collegiens",
            "Collégiens",
            Pupil.objects.matching(text, birth_date).order_by("last_name", "first_name", "pk"),
            _pupil_hit,
        ),
        _group(
            "familles",
            "Familles",
            Family.objects.matching(text).order_by("parent_name", "pk"),
            _family_hit,
        ),
        _group(
            "virements",
            "Virements",
            Payment.objects.matching(text)
            .select_related("organisation")
            .order_by("-run_id", "end_to_end_id"),
            _payment_hit,
        ),
    ]


def ticket_number_warning(text: str) -> str:
    """A full-length number with wrong check digits is a typo worth saying so."""
    digits = normalise_ticket_number(text)
    full_length = len(digits) == TICKET_NUMBER_LENGTH and digits.isdigit()
    if full_length and not is_valid_ticket_number(digits):
        return "Ce numéro de ticket n'est pas valide : vérifiez la saisie."
    return ""


@staff_required
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    groups: list[ResultGroup] = []
    warning = ""
    if form.is_valid():
        text = form.cleaned_data["q"]
        groups = search_everything(text)
        warning = ticket_number_warning(text)
    return render(
        request,
        "backoffice/search.html",
        {
            "form": form,
            "groups": [group for group in groups if group.total],
            "searched": form.is_bound and form.is_valid(),
            "warning": warning,
            "per_type": RESULTS_PER_TYPE,
        },
    )
