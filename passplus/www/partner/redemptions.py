"""The partner's entries ("Mes saisies"): list with filters and totals, receipt, cancel."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.errors import DomainError
from passplus.core.reporting import status_summary
from passplus.organisations.models import Organisation
from passplus.payments.calendar import expected_payment_day, next_cut_off
from passplus.tickets.models import Redemption, RedemptionStatus
from passplus.tickets.numbers import normalise_ticket_number
from passplus.www.partner.access import partner_view


class RedemptionFilterForm(forms.Form):
    q = forms.CharField(
        label="Numéro de ticket ou nom de l'enfant",
        required=False,
        max_length=80,
        help_text="Avec ou sans espaces : 1234 5678 9012, ou une partie du numéro ou du nom.",
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
    )
    status = forms.ChoiceField(
        label="État",
        required=False,
        choices=[("", "Tous"), *RedemptionStatus.choices],
    )
    start = forms.DateField(
        label="Saisis depuis le",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label="Jusqu'au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def search_condition(text: str) -> Q:
    """A ticket number (spaces, dots and dashes ignored) or words of the child's name, each
    found in the first or the last name. Applied to the organisation's own entries only."""
    digits = normalise_ticket_number(text)
    if digits.isascii() and digits.isdigit():
        return Q(ticket__number__contains=digits)
    condition = Q()
    for word in text.split():
        condition &= Q(ticket__wallet__pupil__first_name__icontains=word) | Q(
            ticket__wallet__pupil__last_name__icontains=word
        )
    return condition


def _own(organisation: Organisation, pk: int) -> Redemption:
    """A redemption of the user's organisation, else 404 (never another organisation's)."""
    return get_object_or_404(
        Redemption.objects.select_related("ticket__wallet__pupil", "activity"),
        pk=pk,
        organisation=organisation,
    )


@partner_view
def redemption_list(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    redemptions = Redemption.objects.of_organisation(organisation)
    form = RedemptionFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            redemptions = redemptions.filter(search_condition(data["q"]))
        if data["status"]:
            redemptions = redemptions.filter(status=data["status"])
        if data["start"]:
            redemptions = redemptions.filter(entered_at__date__gte=data["start"])
        if data["end"]:
            redemptions = redemptions.filter(entered_at__date__lte=data["end"])
    page = Paginator(
        redemptions.select_related("ticket__wallet__pupil", "activity").order_by(
            "-entered_at", "-pk"
        ),
        50,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "partner/entry/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "summary": status_summary(
                redemptions, RedemptionStatus.choices, amount_field="amount_cents"
            ),
        },
    )


@partner_view
def redemption_detail(
    request: AuthenticatedHttpRequest, organisation: Organisation, pk: int
) -> HttpResponse:
    redemption = _own(organisation, pk)
    return render(
        request,
        "partner/entry/receipt.html",
        {
            "redemption": redemption,
            "pupil": redemption.ticket.wallet.pupil,
            # An entry waiting to be paid goes into the run of the next cut-off after it.
            "expected_payment": expected_payment_day(next_cut_off(redemption.entered_at))
            if redemption.status == RedemptionStatus.ENTERED
            else None,
        },
    )


@partner_view
def redemption_cancel(
    request: AuthenticatedHttpRequest, organisation: Organisation, pk: int
) -> HttpResponse:
    """A page stating the consequence (GET, or a POST without `confirm`), then the
    cancellation (POST with `confirm`): one mis-tap on the receipt cancels nothing."""
    redemption = _own(organisation, pk)
    if request.method != "POST" or "confirm" not in request.POST:
        return render(
            request,
            "partner/entry/cancel.html",
            {"redemption": redemption, "pupil": redemption.ticket.wallet.pupil},
        )
    try:
        redemption.cancel(actor=request.user, reason="Saisie annulée par l'organisme")
    except DomainError as error:
        messages.error(
            request,
            f"{error} Une saisie ne peut être annulée que tant qu'elle n'est pas entrée dans "
            "un remboursement.",
        )
    else:
        messages.success(request, "Saisie annulée : le ticket peut être saisi à nouveau.")
    return redirect("partner:redemption", pk=redemption.pk)
