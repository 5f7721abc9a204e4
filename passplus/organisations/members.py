"""The users of an organisation: invited by a member with a single-use link, each with their own
login, removed by a member (never the last one). Every action is audited with its author."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.invitations import organisation_account_create
from passplus.accounts.models import (
    Invitation,
    InvitationPurpose,
    InvitationQuerySet,
    User,
)
from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.notifications.tasks import email_later
from passplus.organisations.models import Organisation


def pending_member_invitations(organisation: Organisation) -> InvitationQuerySet:
    return Invitation.objects.usable().filter(
        organisation=organisation, purpose=InvitationPurpose.MEMBER
    )


def member_invite(*, organisation: Organisation, email: str, actor: User) -> Invitation:
    """E-mail a single-use link (30 days); inviting the same address again replaces the link."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(
            "Un compte existe déjà avec cette adresse e-mail. Une adresse ne peut servir qu'à "
            "un seul compte : invitez une autre adresse, ou contactez le département."
        )
    with transaction.atomic():
        pending_member_invitations(organisation).filter(email=email).update(
            revoked_at=timezone.now()
        )
        invitation, token = Invitation.issue(
            purpose=InvitationPurpose.MEMBER,
            email=email,
            organisation=organisation,
            created_by=actor,
        )
        record(
            actor=actor,
            action="organisation.member_invite",
            obj=organisation,
            after={"email": email, "invitation": invitation.pk},
        )
        context = {
            "scheme_name": settings.PASSPLUS_SCHEME_NAME,
            "organisation": organisation,
            "invited_by": actor.get_full_name() or actor.email,
            "link": settings.SITE_URL + reverse("partner:member_invitation", args=[token]),
            "expires_at": invitation.expires_at,
            "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
        }
        email_later(
            to=[email],
            subject=f"{settings.PASSPLUS_SCHEME_NAME} : invitation à rejoindre "
            f"« {organisation.display_name} »",
            body=render_to_string("organisations/emails/member_invitation.txt", context),
            about=f"invitation:{invitation.pk}",
        )
    return invitation


def member_invitation_revoke(*, organisation: Organisation, pk: int, actor: User) -> None:
    with transaction.atomic():
        revoked = (
            pending_member_invitations(organisation).filter(pk=pk).update(revoked_at=timezone.now())
        )
        if not revoked:
            raise DomainError("Cette invitation n'est plus en cours.")
        record(
            actor=actor,
            action="organisation.member_invitation_revoke",
            obj=organisation,
            after={"invitation": pk},
        )


def member_accept(
    *, invitation: Invitation, password: str, first_name: str, last_name: str
) -> User:
    """Create the member's own account from the link (which then stops working)."""
    with transaction.atomic():
        user = organisation_account_create(
            invitation=invitation,
            purpose=InvitationPurpose.MEMBER,
            wrong_purpose="Ce lien n'est pas une invitation à rejoindre un organisme.",
            already_exists="Un compte existe déjà avec cette adresse e-mail : connectez-vous.",
            password=password,
            first_name=first_name,
            last_name=last_name,
        )
        organisation = user.organisation
        assert organisation is not None  # set from the invitation, checked above
        record(
            actor=user,
            action="organisation.member_join",
            obj=organisation,
            after={"email": user.email, "invited_by": invitation.created_by_id},
        )
    return user


def member_remove(*, organisation: Organisation, member_pk: int, actor: User) -> User:
    """Close a member's access (the account is kept, deactivated, for the audit trail)."""
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)  # one removal at a time
        members = organisation.members.filter(is_active=True)
        member = members.filter(pk=member_pk).first()
        if member is None:
            raise DomainError("Cette personne n'est pas (ou plus) membre de votre organisme.")
        if members.count() <= 1:
            raise DomainError(
                "C'est le dernier compte de l'organisme : invitez d'abord une autre personne."
            )
        User.objects.filter(pk=member.pk).update(is_active=False)
        record(
            actor=actor,
            action="organisation.member_remove",
            obj=organisation,
            after={"email": member.email, "user": member.pk},
        )
    return member
