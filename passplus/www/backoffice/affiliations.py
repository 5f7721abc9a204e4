"""The back office's affiliation pages: every organisation, its evidence, and the actions of
the département on it (suspend, reactivate, terminate, check bank details and eligibility).

Every page is for département staff; the actions for `gestionnaire` (and `admin`) only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from passplus.accounts.access import manager_required, staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.audit.presentation import HISTORY_LIMIT, history
from passplus.conventions.models import Convention, ConventionStatus
from passplus.core.errors import DomainError
from passplus.core.reporting import status_summary
from passplus.organisations import bank_changes
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import (
    BankAccount,
    IdentificationForm,
    ImportedOrganisation,
    Organisation,
)
from passplus.www.backoffice.forms import OrganisationFilterForm, ReasonForm, pending_bank_accounts
from passplus.www.backoffice.organisation_messages import MessageForm

PAGE_SIZE = 50

TERMINATE_CONFIRM = "Je confirme la résiliation : elle est définitive."


# Pages ----------------------------------------------------------------------------------------


@staff_required
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET)
    form.is_valid()  # invalid values are shown on the form and filter on nothing
    everything = Organisation.objects.all()
    signed_on = (
        Convention.objects.filter(organisation=OuterRef("pk"), status=ConventionStatus.SIGNED)
        .order_by("-signed_at")
        .values("signed_at")[:1]
    )
    organisations = (
        form.apply(everything)
        .select_related("commune")
        .annotate(
            signed_on=Subquery(signed_on),
            has_pending_bank_account=Exists(pending_bank_accounts()),
        )
        .order_by("legal_name", "pk")
    )
    counts = status_summary(form.apply(everything, with_status=False), OrganisationStatus.choices)
    return render(
        request,
        "backoffice/affiliations/list.html",
        {
            "form": form,
            "page": Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page")),
            "counts": counts,
            "total": sum(row["count"] for row in counts),
            "selected_status": form.value("status") or "",
        },
    )


@staff_required
def organisation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(
        Organisation.objects.select_related("commune", "eligibility_reviewed_by"), pk=pk
    )
    conventions = list(organisation.conventions.select_related("version"))
    signatures = list(
        organisation.signature_requests.select_related("convention__version", "bank_account")
    )
    bank_accounts = list(organisation.bank_accounts.select_related("entered_by", "reviewed_by"))
    can_act = request.user.is_manager
    return render(
        request,
        "backoffice/affiliations/detail.html",
        {
            "organisation": organisation,
            "identification": IdentificationForm.objects.select_related(
                "registered_by", "invitation"
            )
            .filter(organisation=organisation)
            .first(),
            "imported": ImportedOrganisation.objects.select_related("source")
            .filter(organisation=organisation)
            .first(),
            "activities": organisation.activities.all(),
            "conventions": conventions,
            "signatures": signatures,
            "bank_accounts": bank_accounts,
            "pending_accounts": [
                (account, ReasonForm(label="Motif du refus", auto_id=f"id_reject_{account.pk}_%s"))
                for account in bank_accounts
                if account.status == BankAccountStatus.PENDING
            ],
            # Four eyes: pending details this person entered (or whose import file they
            # uploaded) are theirs to have checked by someone else, not to validate.
            "not_yours_to_validate": {
                account.pk
                for account in bank_accounts
                if account.status == BankAccountStatus.PENDING
                and request.user.pk in account.entered_by_ids()
            },
            "members": organisation.members.order_by("last_name", "first_name", "email"),
            "events": history([organisation, *conventions, *signatures, *bank_accounts]),
            "event_limit": HISTORY_LIMIT,
            "can_act": can_act,
            "message_form": MessageForm(auto_id="id_message_%s"),
            "suspend_form": ReasonForm(label="Motif de la suspension", auto_id="id_suspend_%s"),
            "reactivate_form": ReasonForm(
                label="Motif de la réactivation", required=False, auto_id="id_reactivate_%s"
            ),
            "terminate_form": ReasonForm(
                label="Motif de la résiliation",
                confirm_label=TERMINATE_CONFIRM,
                auto_id="id_terminate_%s",
            ),
        },
    )


# Documents (private files, served only through these checks) -----------------------------------


@never_cache
@staff_required
def convention_pdf(request: AuthenticatedHttpRequest, pk: int, convention_pk: int) -> FileResponse:
    convention = get_object_or_404(
        Convention.objects.select_related("version"), pk=convention_pk, organisation_id=pk
    )
    if not convention.signed_pdf:
        raise Http404("Aucune convention signée n'est enregistrée.")
    return FileResponse(
        convention.signed_pdf.open("rb"),
        as_attachment=True,
        filename=f"convention-{pk}-{convention.version.label}.pdf",
        content_type="application/pdf",
    )


@never_cache
@staff_required
def previous_convention_pdf(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The convention an imported organisation signed in the previous system, as imported."""
    imported = get_object_or_404(ImportedOrganisation, organisation_id=pk)
    if not imported.convention_document:
        raise Http404("Aucune convention du système précédent n'est enregistrée.")
    return FileResponse(
        imported.convention_document.open("rb"),
        as_attachment=True,
        filename=f"convention-{pk}-systeme-precedent.pdf",
        content_type="application/pdf",
    )


@never_cache
@staff_required
def bank_account_rib(request: AuthenticatedHttpRequest, pk: int, account_pk: int) -> FileResponse:
    account = get_object_or_404(BankAccount, pk=account_pk, organisation_id=pk)
    if not account.rib_document:
        raise Http404("Aucun RIB n'est joint à ces coordonnées bancaires.")
    handle, mime, extension = account.open_rib()
    return FileResponse(
        handle, as_attachment=True, filename=f"rib-{pk}-{account.pk}.{extension}", content_type=mime
    )


# Actions --------------------------------------------------------------------------------------


def _act(request: HttpRequest, pk: int, action: Callable[[], Any], success: str) -> HttpResponse:
    """Run a domain action; a refusal becomes its French message, never a 500."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("backoffice:organisation", pk=pk)


def _reason(
    request: HttpRequest, *, label: str, required: bool = True, confirm_label: str | None = None
) -> str | None:
    """The posted reason (and confirmation), or None after telling the user what is missing."""
    form = ReasonForm(request.POST, label=label, required=required, confirm_label=confirm_label)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return None
    return str(form.cleaned_data["reason"])


@require_POST
@manager_required
def organisation_suspend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    if (reason := _reason(request, label="Motif de la suspension")) is None:
        return redirect("backoffice:organisation", pk=pk)
    return _act(
        request,
        pk,
        lambda: organisation.suspend(actor=request.user, reason=reason),
        f"« {organisation.display_name} » est suspendu : il ne peut plus saisir de tickets "
        "et n'apparaît plus dans l'annuaire.",
    )


@require_POST
@manager_required
def organisation_reactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    if (reason := _reason(request, label="Motif", required=False)) is None:
        return redirect("backoffice:organisation", pk=pk)
    return _act(
        request,
        pk,
        lambda: organisation.reactivate(actor=request.user, reason=reason),
        f"« {organisation.display_name} » est de nouveau affilié.",
    )


@require_POST
@manager_required
def organisation_terminate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    reason = _reason(request, label="Motif de la résiliation", confirm_label=TERMINATE_CONFIRM)
    if reason is None:
        return redirect("backoffice:organisation", pk=pk)
    return _act(
        request,
        pk,
        lambda: organisation.terminate(actor=request.user, reason=reason),
        f"L'affiliation de « {organisation.display_name} » est résiliée.",
    )


@require_POST
@manager_required
def organisation_review_eligibility(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    return _act(
        request,
        pk,
        lambda: organisation.review_eligibility(actor=request.user),
        "La justification du secteur marchand est marquée comme vérifiée.",
    )


@require_POST
@manager_required
def bank_account_validate(
    request: AuthenticatedHttpRequest, pk: int, account_pk: int
) -> HttpResponse:
    account = get_object_or_404(BankAccount, pk=account_pk, organisation_id=pk)
    return _act(
        request,
        pk,
        lambda: bank_changes.bank_account_validate(account=account, actor=request.user),
        f"Coordonnées bancaires ({account.iban_ending}) validées : les prochains virements "
        "iront sur ce compte.",
    )


@require_POST
@manager_required
def bank_account_reject(
    request: AuthenticatedHttpRequest, pk: int, account_pk: int
) -> HttpResponse:
    account = get_object_or_404(BankAccount, pk=account_pk, organisation_id=pk)
    if (reason := _reason(request, label="Motif du refus")) is None:
        return redirect("backoffice:organisation", pk=pk)
    return _act(
        request,
        pk,
        lambda: bank_changes.bank_account_reject(
            account=account, actor=request.user, reason=reason
        ),
        f"Coordonnées bancaires ({account.iban_ending}) refusées.",
    )
