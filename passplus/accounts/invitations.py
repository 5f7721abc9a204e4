"""An organisation's account created from its invitation link: the one way a partner gets an
account, whether invited to sign the convention or to join as a member."""

from __future__ import annotations

from passplus.accounts.models import Invitation, Role, User
from passplus.core.errors import DomainError


def organisation_account_create(
    *,
    invitation: Invitation,
    purpose: str,
    wrong_purpose: str,
    already_exists: str,
    password: str,
    first_name: str,
    last_name: str,
) -> User:
    """Use the invitation (it then stops working) to create its organisation's account. Call it
    inside the caller's transaction, with what the account is for (the convention's start, the
    member's journal entry). Refused, with the caller's French messages, for another kind of
    invitation or an address that already has an account."""
    invitation.check_usable()
    if invitation.purpose != purpose or invitation.organisation is None:
        raise DomainError(wrong_purpose)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise DomainError(already_exists)
    invitation.mark_used()
    return User.objects.create_user(
        invitation.email,
        password,
        first_name=first_name,
        last_name=last_name,
        role=Role.ORGANISATION,
        organisation=invitation.organisation,
    )
