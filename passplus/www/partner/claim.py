"""The claim link of an organisation imported from the previous system (issue 34): its contact
creates the account (name and password) and lands in the partner space, signed in, with nothing
to sign: the organisation is already affiliated."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from passplus.accounts.models import Invitation, InvitationPurpose, User
from passplus.core.errors import DomainError
from passplus.core.privacy import mask_email
from passplus.organisations.models import ImportedOrganisation
from passplus.organisations.switch_over.claims import (
    claim_link_renew,
    is_claimed,
    organisation_claim,
)
from passplus.www.partner.account_creation import account_from_invitation
from passplus.www.partner.account_forms import AccountCreationForm


@never_cache
def claim(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.find(token)
    imported = _imported(invitation)
    if invitation is None or imported is None:
        return render(request, "partner/claim_unusable.html", {"reason": "unknown"}, status=404)
    reason = _unusable_reason(invitation, imported)
    if reason:
        return _unusable(request, invitation, imported, reason)
    form = AccountCreationForm(
        request.POST or None, email=invitation.email, initial=_name_parts(imported.contact_name)
    )
    created = account_from_invitation(
        request,
        form,
        invitation=invitation,
        create=organisation_claim,
        welcome=(
            "Votre accès est créé. Votre organisme est affilié : vous pouvez saisir les "
            "tickets dès maintenant."
        ),
        then="partner:home",
    )
    if created is not None:
        return created
    return render(
        request,
        "partner/claim.html",
        {"form": form, "invitation": invitation, "organisation": imported.organisation},
    )


def _imported(invitation: Invitation | None) -> ImportedOrganisation | None:
    if (
        invitation is None
        or invitation.purpose != InvitationPurpose.CLAIM
        or invitation.organisation_id is None
    ):
        return None
    return (
        ImportedOrganisation.objects.select_related("organisation")
        .filter(organisation_id=invitation.organisation_id)
        .first()
    )


def _unusable_reason(invitation: Invitation, imported: ImportedOrganisation) -> str:
    if is_claimed(imported):
        return "claimed"
    if invitation.used_at:
        return "used"
    if invitation.revoked_at:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    if User.objects.filter(email__iexact=invitation.email).exists():
        return "email_taken"
    return ""


def _unusable(
    request: HttpRequest, invitation: Invitation, imported: ImportedOrganisation, reason: str
) -> HttpResponse:
    context: dict[str, object] = {
        "reason": reason,
        "organisation": imported.organisation,
        "masked_email": mask_email(invitation.email),
        "latest_sent_at": imported.last_invited_at,
    }
    if reason == "expired" and request.method == "POST":
        try:
            claim_link_renew(invitation=invitation)
        except DomainError as error:
            context["renew_error"] = str(error)
        else:
            context["renewed"] = True
    context["renewable"] = reason == "expired" and imported.invitation_id == invitation.pk
    status = 409 if reason == "email_taken" else 410
    return render(request, "partner/claim_unusable.html", context, status=status)


def _name_parts(contact_name: str) -> dict[str, str]:
    """The contact's name from the file, as the form's starting values (« Marie Dupont »)."""
    first, _, last = contact_name.strip().partition(" ")
    return {"first_name": first, "last_name": last.strip()}
