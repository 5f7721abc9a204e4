"""Partner space: bank details — the account in use, the history (masked), and a change:
new details + RIB → SMS code to the legal representative → checked by the département."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.errors import DomainError
from passplus.organisations.bank_changes import (
    MAY_CHANGE,
    bank_change_confirm,
    bank_change_enter,
    bank_change_send_code,
    change_in_progress,
)
from passplus.organisations.enums import BankAccountStatus
from passplus.organisations.models import Organisation
from passplus.signatures.models import SignatureRequest, SignatureStatus
from passplus.www.partner.access import partner_view
from passplus.www.partner.sms_code import sms_code_step
from passplus.www.partner.wizard_forms import BankForm


@partner_view
@never_cache
def bank_details(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    if organisation.status not in MAY_CHANGE:
        raise PermissionDenied("Les coordonnées bancaires se gèrent ici après la signature.")
    in_progress = change_in_progress(organisation)
    may_enter = in_progress is None or in_progress.status == BankAccountStatus.DRAFT
    form = BankForm(
        (request.POST or None) if may_enter else None,
        (request.FILES or None) if may_enter else None,
    )
    if request.method == "POST" and may_enter and form.is_valid():
        assert form.details is not None
        try:
            bank_change_enter(
                organisation=organisation,
                actor=request.user,
                holder=form.cleaned_data["holder"],
                iban=form.details.iban,
                bic=form.details.bic,
                rib_document=form.cleaned_data["rib_document"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "Coordonnées enregistrées. Il reste à les confirmer avec le code envoyé par SMS "
                "au représentant légal.",
            )
            return redirect("partner:bank_details_confirm")
    return render(
        request,
        "partner/account/bank_details.html",
        {
            "organisation": organisation,
            "current": organisation.current_bank_account(),
            "in_progress": in_progress,
            "history": organisation.bank_accounts.exclude(
                status__in=[BankAccountStatus.DRAFT]
            ).select_related("entered_by", "reviewed_by"),
            "form": form if may_enter else None,
        },
    )


@partner_view
@never_cache
def bank_details_confirm(
    request: AuthenticatedHttpRequest, organisation: Organisation
) -> HttpResponse:
    draft = change_in_progress(organisation)
    if draft is None or draft.status != BankAccountStatus.DRAFT:
        return redirect("partner:bank_details")
    step = sms_code_step(
        request,
        organisation,
        send=bank_change_send_code,
        confirm=bank_change_confirm,
        page_url=reverse("partner:bank_details_confirm"),
        confirmed_message="Changement confirmé. Le département va vérifier le RIB ; en attendant, "
        "les virements continuent d'aller sur le compte actuel.",
        confirmed_url=lambda _account: reverse("partner:bank_details"),
    )
    if step.response is not None:
        return step.response
    code_sent = SignatureRequest.objects.filter(
        bank_account=draft, status=SignatureStatus.PENDING, codes__isnull=False
    ).exists()
    return render(
        request,
        "partner/account/bank_details_confirm.html",
        {
            "draft": draft,
            "representative_name": organisation.representative_name,
            **step.context(code_sent=code_sent),
        },
    )
