"""Organisations imported by the switch-over (issue 34) and their claim links, for the tests of
the claims (service, pages, browser)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core import mail

from passplus.organisations.models import ImportedOrganisation
from tests.helpers.factories import BankAccountFactory, OrganisationFactory
from tests.helpers.tasks import run_queued_tasks

CLAIM_LINK = re.compile(r"https?://[^\s\"'<>]+/espace-affilie/reprise/([^/\s\"'<>]+)/")


def imported_organisation(
    *,
    contact_email: str = "marie.dupont@club.example.org",
    contact_name: str = "Marie Dupont",
    invited: bool = True,
    **organisation: Any,
) -> ImportedOrganisation:
    """An organisation as the import leaves it: affiliated, no user, its bank details pending
    (validated in the previous system), and (by default) its contact invited to claim it."""
    from passplus.organisations.switch_over.claims import claim_invitation_send

    created = OrganisationFactory(**organisation)
    BankAccountFactory(organisation=created, pending=True, previously_validated=True)
    imported = ImportedOrganisation.objects.create(
        organisation=created,
        line=2,
        contact_name=contact_name,
        contact_email=contact_email,
        convention_signed_on=dt.date(2024, 9, 2),
        convention_version_label="2024-1",
    )
    if invited:
        claim_invitation_send(imported, actor=None)
    return imported


def claim_messages(to: str | None = None) -> list[Any]:
    """The claim e-mails sent so far (to `to` only, if given), oldest first: the queued ones
    are sent first."""
    run_queued_tasks()
    return [
        message
        for message in mail.outbox
        if "déjà partenaire" in message.subject and (to is None or message.to == [to])
    ]


def claim_path(message: Any) -> str:
    """The claim page's path in an e-mail (its text body)."""
    found = CLAIM_LINK.search(message.body)
    assert found, message.body
    return f"/espace-affilie/reprise/{found.group(1)}/"


def last_claim_path(to: str | None = None) -> str:
    messages = claim_messages(to)
    assert messages, [message.subject for message in mail.outbox]
    return claim_path(messages[-1])
