"""The département writes to an organisation: one e-mail to every active user and the legal
representative, audited (subject and number of recipients, not the text)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.notifications.tasks import email_later
from passplus.organisations.models import Organisation

if TYPE_CHECKING:
    from passplus.accounts.models import User


def organisation_message(
    *, organisation: Organisation, actor: User, subject: str, body: str
) -> list[str]:
    recipients = organisation.notification_emails
    if not recipients:
        raise DomainError(
            "Cet organisme n'a ni utilisateur actif ni e-mail de représentant légal : "
            "aucun message ne peut lui être envoyé."
        )
    with transaction.atomic():
        event = record(
            actor=actor,
            action="organisation.message",
            obj=organisation,
            after={"subject": subject.strip(), "recipients": len(recipients)},
        )
        email_later(
            to=recipients,
            subject=f"{settings.PASSPLUS_SCHEME_NAME} : {subject.strip()}",
            body=render_to_string(
                "organisations/emails/message.txt",
                {
                    "organisation": organisation,
                    "body": body.strip(),
                    "author": actor.get_full_name() or actor.email,
                    "scheme_name": settings.PASSPLUS_SCHEME_NAME,
                    "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
                },
            ),
            reply_to=[settings.PASSPLUS_CONTACT_EMAIL],
            about=f"organisation-message:{event.pk}",
        )
    return recipients
