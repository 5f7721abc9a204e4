"""Step 1 of the affiliation: the invitation link is the only way to create a partner account."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from passplus.accounts.models import Invitation, InvitationPurpose
from passplus.conventions.wizard_steps import partner_account_create
from passplus.core.errors import DomainError
from passplus.core.privacy import mask_email
from passplus.organisations.services import invitation_renew_expired
from passplus.www.partner.account_creation import account_from_invitation
from passplus.www.partner.account_forms import AccountCreationForm


def _unusable_reason(invitation: Invitation) -> str:
    if invitation.revoked_at:
        return "revoked"
    if invitation.used_at:
        return "used"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return ""


@never_cache
def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.find(token)
    if invitation is None or invitation.purpose != InvitationPurpose.AFFILIATION:
        return render(request, "partner/invitation_invalid.html", {"reason": "unknown"}, status=404)
    reason = _unusable_reason(invitation)
    if reason:
        return _unusable(request, invitation, reason)
    organisation = invitation.organisation
    assert organisation is not None  # affiliation invitations always name their organisation
    form = AccountCreationForm(request.POST or None, email=invitation.email)
    created = account_from_invitation(
        request,
        form,
        invitation=invitation,
        create=partner_account_create,
        welcome="Votre compte est créé. Signez maintenant la convention.",
        then="partner:affiliation",
    )
    if created is not None:
        return created
    return render(
        request,
        "partner/invitation_accept.html",
        {"form": form, "invitation": invitation, "organisation": organisation},
    )


def _unusable(request: HttpRequest, invitation: Invitation, reason: str) -> HttpResponse:
    context: dict[str, object] = {"reason": reason, "masked_email": mask_email(invitation.email)}
    if reason == "expired" and request.method == "POST":
        try:
            invitation_renew_expired(invitation=invitation)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            context["renewed"] = True
    form = getattr(invitation.organisation, "identification_form", None)
    registered_by = form.registered_by if form else None
    context["correspondent_email"] = registered_by.email if registered_by else ""
    return render(request, "partner/invitation_invalid.html", context, status=410)
