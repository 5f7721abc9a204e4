"""Back office (finance): the runs page — what is due now per organisation, the runs being
prepared, "Préparer la campagne maintenant", and every run so far."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from passplus.accounts.access import finance_required, staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.errors import DomainError
from passplus.payments.awaiting import runs_awaiting
from passplus.payments.build import build_in_progress
from passplus.payments.due import due_now
from passplus.payments.models import PaymentRun, is_finance
from passplus.payments.preparation import (
    NOT_FINANCE,
    REASON_MAX_LENGTH,
    REASON_REQUIRED,
    payment_run_prepare,
    preparations_waiting,
)


class ExceptionalRunForm(forms.Form):
    """The reason of an exceptional run. Required only when no cut-off is due: the service
    decides, and its refusal is tied to the field."""

    reason = forms.CharField(
        label="Motif de la campagne exceptionnelle",
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Par exemple « clôture de l'exercice comptable ».",
    )


def prepare_form(data: Mapping[str, Any] | None = None) -> ExceptionalRunForm:
    return ExceptionalRunForm(data)


def _page(request: AuthenticatedHttpRequest, form: ExceptionalRunForm) -> HttpResponse:
    runs = PaymentRun.objects.annotate(
        payment_count=Count("payments"), amount=Sum("payments__amount_cents")
    ).order_by("-cut_off")
    building = build_in_progress()
    waiting = preparations_waiting()
    return render(
        request,
        "backoffice/payment_runs/list.html",
        {
            "runs": runs,
            "awaiting_runs": runs_awaiting(request.user),
            "building": building,
            "waiting": waiting,
            "due": due_now(timezone.now()),
            "may_prepare": is_finance(request.user),
            "prepare_refusal": "" if is_finance(request.user) else NOT_FINANCE,
            "form": form,
        },
    )


@staff_required
def run_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request, prepare_form())


@require_POST
@finance_required
def run_prepare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Préparer la campagne maintenant": refused at once with the reason, or enqueued."""
    form = prepare_form(request.POST)
    if not form.is_valid():
        return _page(request, form)
    try:
        plan = payment_run_prepare(
            actor=request.user, now=timezone.now(), reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        form.add_error("reason" if str(error) == REASON_REQUIRED else None, str(error))
        return _page(request, form)
    when = timezone.localtime(plan.cut_off)
    if plan.exceptional_reason:
        done = f"Campagne exceptionnelle des saisies jusqu'au {when:%d/%m/%Y à %H:%M} demandée"
    else:
        done = f"Campagne du {when:%d/%m/%Y} demandée"
    messages.success(
        request,
        f"{done} : elle apparaîtra dans la liste dans un instant. Un autre agent des finances "
        "devra l'approuver.",
    )
    return redirect("backoffice:payment_runs")
