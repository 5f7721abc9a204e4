"""Sending one reminder once: the row that says so, the queued e-mail and the audit event are
written in one transaction, and the unique constraint settles two senders at once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string

from passplus.audit.models import record
from passplus.notifications.tasks import email_later
from passplus.reminders.models import ReminderSent


def render_email(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) from templates/reminders/emails/<name>_subject.txt and <name>.txt."""
    context = {
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
        "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
        **context,
    }
    subject = render_to_string(f"reminders/emails/{name}_subject.txt", context)
    body = render_to_string(f"reminders/emails/{name}.txt", context)
    return " ".join(subject.split()), body


def send_once(
    *,
    kind: str,
    target: models.Model,
    occasion: str,
    to: list[str],
    template: str,
    context: dict[str, Any],
    audit_on: models.Model | None = None,
) -> bool:
    """Queue the reminder e-mail unless this (kind, target, occasion) was already sent.

    True when this call sent it. Another process sending the same reminder at the same moment
    waits for the first one's commit (PostgreSQL) or its turn (SQLite), then finds the row:
    the reminder leaves once. The audit event is about `audit_on` (default: the target).
    """
    if not to:
        return False
    subject, body = render_email(template, context)
    with transaction.atomic():
        try:
            with transaction.atomic():
                sent = ReminderSent.objects.create(
                    kind=kind, target_id=target.pk, occasion=occasion, recipient_count=len(to)
                )
        except IntegrityError:
            return False
        email_later(to=to, subject=subject, body=body, about=f"reminder:{sent.pk}")
        record(
            actor=None,
            action="reminder.sent",
            obj=audit_on or target,
            after={"kind": kind, "occasion": occasion, "recipients": len(to), "id": sent.pk},
        )
    return True
