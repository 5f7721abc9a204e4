"""The e-mails of assignments (issue 35): queued in the transaction that causes them (the
task row commits or rolls back with it), each with a stable Message-ID (`about=`).

To the family: confirmed, refused (with the reason), expired. To the organisation's users: a
digest of the assignments that arrived, a reminder a week before they expire, and the expiry.
No ticket number and no birth date: the child's name, the amount, the activity and the dates
say which one it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import Role
from passplus.core.money import format_cents
from passplus.notifications.tasks import email_later
from passplus.tickets.models import Assignment

if TYPE_CHECKING:
    from passplus.organisations.models import Organisation


def organisation_users_emails(organisation: Organisation) -> list[str]:
    """The organisation's active users: those who can confirm or refuse."""
    emails = organisation.members.filter(role=Role.ORGANISATION, is_active=True).values_list(
        "email", flat=True
    )
    return sorted({email.lower() for email in emails if email})


def family_notify(assignment: Assignment, *, template: str) -> None:
    """Tell the family its assignment was confirmed, refused or expired."""
    family = assignment.ticket.wallet.pupil.family
    if not family.email:
        return
    subject, body = _render(
        template,
        {"assignment": assignment, "line": line_of(assignment), "link": _url("family:home")},
    )
    email_later(
        to=[family.email],
        subject=subject,
        body=body,
        about=f"assignment-{template}:{assignment.pk}",
    )


def organisation_expired_notify(assignment: Assignment) -> None:
    """Tell the organisation's users an assignment expired without their answer."""
    to = organisation_users_emails(assignment.organisation)
    if not to:
        return
    subject, body = _render(
        "organisation_expired",
        {"assignment": assignment, "line": line_of(assignment), "link": _url("partner:home")},
    )
    email_later(to=to, subject=subject, body=body, about=f"assignment-expired-org:{assignment.pk}")


def organisation_list_notify(
    organisation: Organisation, assignments: Sequence[Assignment], *, template: str, about: str
) -> int:
    """The digest of new assignments or the reminder of those expiring soon, to the
    organisation's users; returns the number of e-mails queued (0 or 1)."""
    to = organisation_users_emails(organisation)
    if not to or not assignments:
        return 0
    subject, body = _render(
        template,
        {
            "organisation": organisation,
            "lines": [line_of(assignment, deadline=True) for assignment in assignments],
            "count": len(assignments),
            "link": _url("partner:home"),
        },
    )
    email_later(to=to, subject=subject, body=body, about=about)
    return 1


def line_of(assignment: Assignment, *, deadline: bool = False) -> str:
    """« Prénom NOM — 40,00 € — Judo (réponse attendue avant le 07/01/2027) »."""
    pupil = assignment.ticket.wallet.pupil
    parts = [
        f"{pupil.first_name} {pupil.last_name}",
        format_cents(assignment.ticket.amount_cents),
    ]
    if assignment.activity is not None:
        parts.append(assignment.activity.name)
    text = " — ".join(parts)
    if deadline:
        expires = timezone.localtime(assignment.expires_at)
        text += f" (réponse attendue avant le {expires:%d/%m/%Y à %H:%M})"
    return text


def _render(name: str, context: dict[str, Any]) -> tuple[str, str]:
    context = {
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
        "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
        **context,
    }
    subject = render_to_string(f"tickets/emails/assignment_{name}_subject.txt", context)
    body = render_to_string(f"tickets/emails/assignment_{name}.txt", context)
    return " ".join(subject.split()), body


def _url(name: str) -> str:
    return settings.SITE_URL + reverse(name)
