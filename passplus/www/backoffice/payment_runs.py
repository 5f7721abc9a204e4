"""Back office (finance): payment runs — run page, check and approval (four eyes), SEPA file,
transmission, reconciliation of each transfer or of the whole run. Every action calls the one
service of its step (passplus/payments/services.py and settlement.py): audited, refused with a
French message from any other state or when a colleague took the step first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from passplus.accounts.access import finance_required, staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.accounts.models import Role
from passplus.audit.models import AuditEvent
from passplus.audit.presentation import HISTORY_LIMIT, history
from passplus.core.errors import DomainError
from passplus.payments.due import left_out_before
from passplus.payments.models import (
    SYSTEM_BUILT,
    Payment,
    PaymentRun,
    PaymentRunStatus,
    PaymentStatus,
)
from passplus.payments.services import (
    payment_run_approve,
    payment_run_check,
    payment_run_sepa_download,
    payment_run_transmit,
)
from passplus.payments.settlement import (
    REASON_REQUIRED,
    payment_mark_paid,
    payment_mark_rejected,
    payment_run_mark_paid,
)
from passplus.www.backoffice.forms import IRREVERSIBLE, ConfirmationForm, confirmation_field

PAYMENTS_PER_PAGE = 100
REJECT_CONFIRM = "Je confirme le rejet de ce virement."
APPROVE_CONFIRM = "Je confirme l'approbation : le fichier de virement pourra être produit."
ALL_PAID_CONFIRM = (
    "Je confirme que la banque a exécuté ces virements : chaque organisme recevra son avis de "
    "paiement."
)


class RejectionForm(forms.Form):
    reason = forms.CharField(label="Motif du rejet", max_length=200)
    confirm = confirmation_field(REJECT_CONFIRM)


@dataclass(frozen=True)
class RunActions:
    """What the run page offers this user, and why not the rest (the models decide)."""

    check: bool = False
    approve: bool = False
    money: bool = False  # transmission, reconciliation: finance, once approved
    file: bool = False  # the SEPA file: also approved by a second person (not a legacy run)
    transmit: bool = False  # also the file downloaded by someone other than the builder
    reason: str = ""


# After the refusal, on the page: where the button will be (a download does not reload it).
TRANSMIT_AFTER_DOWNLOAD = (
    "Le bouton « Marquer comme transmise à la banque » apparaît ici une fois le fichier "
    "téléchargé (actualisez la page)."
)


FINANCE_ONLY = "Les actions sur les campagnes sont réservées à l'équipe finance."


def next_step(run: PaymentRun) -> str:
    """The run's next action and who may do it, in plain French (shown to everyone)."""
    status = PaymentRunStatus
    if run.status == status.DRAFT and run.built_by_system:
        return (
            "Prochaine étape : un agent des finances vérifie la campagne, puis un autre l'approuve."
        )
    if run.status in (status.DRAFT, status.CHECKED):
        first = run.checked_by if run.built_by_system else run.built_by
        name = first.full_name if first else "la première personne"
        return f"Prochaine étape : un agent des finances autre que {name} approuve la campagne."
    if run.status == status.APPROVED:
        who = f"autre que {run.built_by.full_name} " if run.built_by else ""
        return (
            f"Prochaine étape : un agent des finances {who}télécharge le fichier SEPA, le remet "
            "à la banque, puis la campagne est marquée comme transmise."
        )
    if run.status == status.SENT:
        return (
            "Prochaine étape : l'équipe finance rapproche chaque virement (payé ou rejeté) "
            "d'après le relevé de la banque ; la campagne se clôture avec le dernier."
        )
    return "Campagne clôturée : il n'y a plus rien à faire."


def run_actions(run: PaymentRun, user: Any) -> RunActions:
    status = PaymentRunStatus
    if run.status == status.DRAFT and run.built_by_system:
        refusal = run.check_refusal(user)
        return RunActions(check=refusal is None, reason=refusal or SYSTEM_BUILT)
    if run.status in (status.DRAFT, status.CHECKED):
        refusal = run.approval_refusal(user)
        return RunActions(approve=refusal is None, reason=refusal or "")
    if not user.has_role(Role.FINANCE):
        return RunActions(reason=FINANCE_ONLY)
    file = run.approved_by_second_person
    if run.status != status.APPROVED or not file:
        return RunActions(money=True, file=file)
    refusal = run.transmission_refusal()
    if refusal:
        return RunActions(money=True, file=file, reason=f"{refusal} {TRANSMIT_AFTER_DOWNLOAD}")
    return RunActions(money=True, file=file, transmit=True)


@staff_required
def run_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(
        PaymentRun.objects.select_related(
            "built_by", "checked_by", "approved_by", "sent_by", "sepa_downloaded_by"
        ),
        pk=pk,
    )
    payments = run.payments.select_related("organisation").order_by("organisation__legal_name")
    totals = payments.aggregate(amount=Sum("amount_cents"), tickets=Sum("ticket_count"))
    # A run pays thousands of clubs, each row with its two forms: one page of them at a time.
    page = Paginator(payments, PAYMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/payment_runs/detail.html",
        {
            "run": run,
            "actions": run_actions(run, request.user),
            "approve_confirm": APPROVE_CONFIRM,
            "reject_confirm": REJECT_CONFIRM,
            "all_paid_confirm": ALL_PAID_CONFIRM,
            "payments": page.object_list,
            "page": page,
            "totals": totals,
            "next_step": next_step(run),
            "left_out": left_out_before(run.cut_off) if run.status == "draft" else [],
            "downloads": sepa_downloads(run),
            "events": history([run]),
            "event_limit": HISTORY_LIMIT,
            "rejection_form": RejectionForm(),
            "pending_count": payments.filter(status=PaymentStatus.PENDING).count(),
        },
    )


def _act(request: HttpRequest, action: Callable[[], object], done: str) -> object | None:
    """Run the service; show `done`, or its French refusal. Returns what the service returned
    (None when refused)."""
    try:
        result = action()
    except DomainError as error:
        messages.error(request, str(error))
        return None
    messages.success(request, done)
    return result


@require_POST
@finance_required
def run_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(PaymentRun, pk=pk)
    _act(
        request,
        lambda: payment_run_check(run=run, actor=request.user),
        "Campagne vérifiée : un autre agent des finances peut maintenant l'approuver.",
    )
    return redirect("backoffice:payment_run", pk=run.pk)


@require_POST
@finance_required
def run_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(PaymentRun, pk=pk)
    if not ConfirmationForm(request.POST, label=APPROVE_CONFIRM).is_valid():
        messages.error(request, IRREVERSIBLE)
        return redirect("backoffice:payment_run", pk=run.pk)
    _act(request, lambda: payment_run_approve(run=run, actor=request.user), "Campagne approuvée.")
    return redirect("backoffice:payment_run", pk=run.pk)


@require_POST
@finance_required
def run_mark_sent(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(PaymentRun, pk=pk)
    _act(
        request,
        lambda: payment_run_transmit(run=run, actor=request.user),
        "Campagne marquée comme transmise à la banque.",
    )
    return redirect("backoffice:payment_run", pk=run.pk)


@require_POST
@finance_required
def run_mark_all_paid(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(PaymentRun, pk=pk)
    if not ConfirmationForm(request.POST, label=ALL_PAID_CONFIRM).is_valid():
        messages.error(request, IRREVERSIBLE)
        return redirect("backoffice:payment_run", pk=run.pk)
    _act(
        request,
        lambda: payment_run_mark_paid(run=run, actor=request.user),
        "Virements en attente marqués comme payés : campagne clôturée.",
    )
    return redirect("backoffice:payment_run", pk=run.pk)


def _payment_of(run_pk: int, pk: int) -> Payment:
    return get_object_or_404(Payment.objects.select_related("run"), pk=pk, run_id=run_pk)


def _back_to_row_page(request: HttpRequest, run_pk: int) -> HttpResponse:
    """The run page the row's form was on (its `page` field), at the transfers' table."""
    url = reverse("backoffice:payment_run", args=[run_pk])
    page = request.POST.get("page", "")
    query = f"?page={page}" if page.isdigit() and page != "1" else ""
    return redirect(f"{url}{query}#virements")


def _tell_if_closed(request: HttpRequest, run: object | None) -> None:
    """The service closes the run with its last pending transfer: say so."""
    if isinstance(run, PaymentRun) and run.status == PaymentRunStatus.CLOSED:
        messages.success(request, "Tous les virements sont rapprochés : campagne clôturée.")


@require_POST
@finance_required
def payment_paid(request: AuthenticatedHttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    payment = _payment_of(pk, payment_pk)
    run = _act(
        request,
        lambda: payment_mark_paid(payment=payment, actor=request.user),
        "Virement payé.",
    )
    _tell_if_closed(request, run)
    return _back_to_row_page(request, pk)


@require_POST
@finance_required
def payment_rejected(request: AuthenticatedHttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    payment = _payment_of(pk, payment_pk)
    form = RejectionForm(request.POST)
    if not form.is_valid():
        if "reason" in form.errors:
            messages.error(request, REASON_REQUIRED)
        else:
            messages.error(request, IRREVERSIBLE)
        return _back_to_row_page(request, pk)
    reason = form.cleaned_data["reason"]
    run = _act(
        request,
        lambda: payment_mark_rejected(payment=payment, actor=request.user, reason=reason),
        "Virement rejeté : les saisies seront payées après validation de nouvelles coordonnées.",
    )
    _tell_if_closed(request, run)
    return _back_to_row_page(request, pk)


def sepa_downloads(run: PaymentRun) -> list[AuditEvent]:
    """Who downloaded the run's SEPA file, and when (most recent first)."""
    return list(
        AuditEvent.objects.for_object(run)
        .filter(action="payment_run.sepa_download")
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


@finance_required
def run_sepa_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The run's SEPA credit-transfer file (finance only, once the run is approved)."""
    run = get_object_or_404(PaymentRun, pk=pk)
    try:
        run = payment_run_sepa_download(run=run, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("backoffice:payment_run", pk=run.pk)
    response = FileResponse(
        run.sepa_file.open("rb"),
        as_attachment=True,
        filename=str(run.sepa_file.name).rsplit("/", 1)[-1],
        content_type="application/xml",
    )
    response["X-Content-SHA256"] = run.sepa_sha256
    return response
