"""Assignments (issue 35) for tests: an affiliated organisation with one active user, a family's
wallet, and a pending assignment made through the real service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from passplus.accounts.models import User
from passplus.organisations.models import Organisation
from passplus.pupils.models import Wallet
from passplus.tickets.assignments import assignment_create
from passplus.tickets.models import Assignment
from tests.helpers.factories import OrganisationFactory, UserFactory, WalletFactory


@dataclass
class AssignmentSetting:
    wallet: Wallet
    parent: User
    organisation: Organisation
    member: User


def assignment_setting(**wallet_fields: Any) -> AssignmentSetting:
    """A family's wallet (80 € unless told) and a sport organisation with one active user."""
    wallet = WalletFactory(**wallet_fields)
    member = UserFactory(organisation_member=True)
    return AssignmentSetting(
        wallet=wallet,
        parent=wallet.pupil.family.user,
        organisation=member.organisation,
        member=member,
    )


def partner_member(**organisation_fields: Any) -> User:
    """An active user of a new affiliated organisation."""
    return UserFactory(
        organisation_member=True, organisation=OrganisationFactory(**organisation_fields)
    )


def pending_assignment(setting: AssignmentSetting, amount_cents: int = 4000) -> Assignment:
    return assignment_create(
        wallet=setting.wallet,
        organisation=setting.organisation,
        amount_cents=amount_cents,
        actor=setting.parent,
    )
