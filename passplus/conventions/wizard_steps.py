"""The convention's side of the wizard: the partner account created from the invitation (step 1),
the review of the data (step 5) and the acceptance of the rules and conditions (step 6). The
organisation's steps are in `organisations.signing`, under the same lock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from passplus.accounts.invitations import organisation_account_create
from passplus.accounts.models import InvitationPurpose, User
from passplus.audit.models import record
from passplus.conventions.affiliation import Progress, pending_convention
from passplus.core.errors import DomainError
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.signing import locked_while_signing

if TYPE_CHECKING:
    from passplus.accounts.models import Invitation
    from passplus.conventions.models import Convention
    from passplus.organisations.models import Organisation


def partner_account_create(
    *, invitation: Invitation, password: str, first_name: str, last_name: str
) -> User:
    """Step 1: the account of the person invited to sign (the link then stops working); the
    organisation starts signing and its convention of the current version is created."""
    with transaction.atomic():
        user = organisation_account_create(
            invitation=invitation,
            purpose=InvitationPurpose.AFFILIATION,
            wrong_purpose="Ce lien n'est pas une invitation à signer la convention.",
            already_exists=(
                "Un compte existe déjà avec cette adresse e-mail : connectez-vous, ou demandez "
                "au département de rattacher ce compte à votre organisme."
            ),
            password=password,
            first_name=first_name,
            last_name=last_name,
        )
        organisation = user.organisation
        assert organisation is not None  # set from the invitation, checked above
        if organisation.status == OrganisationStatus.IDENTIFIED:
            organisation.start_signing(actor=user)
        pending_convention(organisation)
    return user


def _open_step(locked: Organisation, slug: str) -> Progress:
    progress = Progress(locked)
    if not progress.is_open(slug):
        raise DomainError("Terminez d'abord les étapes précédentes.")
    return progress


def convention_review(*, organisation: Organisation, actor: User) -> Convention:
    """Step 5: the organisation validates its data; the digest of the data as it stands under
    the lock is kept (what the page showed may have changed since: then the signature's
    fingerprint check refuses the code)."""
    with locked_while_signing(organisation) as locked:
        progress = _open_step(locked, "recapitulatif")
        convention = progress.convention
        convention.reviewed_fingerprint = progress.fingerprint
        convention.reviewed_at = timezone.now()
        convention.save(update_fields=["reviewed_fingerprint", "reviewed_at"])
        record(actor=actor, action="affiliation.review", obj=convention)
    return convention


def convention_accept_conditions(*, organisation: Organisation, actor: User) -> Convention:
    """Step 6: the scheme's rules and the convention's conditions, of the version signed."""
    with locked_while_signing(organisation) as locked:
        convention = _open_step(locked, "conditions").convention
        now = timezone.now()
        convention.rules_accepted_at = now
        convention.terms_accepted_at = now
        convention.save(update_fields=["rules_accepted_at", "terms_accepted_at"])
        record(
            actor=actor,
            action="affiliation.accept_conditions",
            obj=convention,
            after={"version": convention.version.label},
        )
    return convention
