"""Correspondents whose identification forms' invitations expire within 3 days: the
organisation has not created its account yet, and the link it received will stop working.

The reminder goes to the correspondent who registered the form, or, when that account is no
longer an active correspondent of the organisation's commune, to the commune's active
correspondents. The invitation's token is stored hashed: the e-mail cannot repeat the link, it
points to the correspondent space, where "Renvoyer l'invitation" sends a fresh one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import Invitation, InvitationPurpose, Role, User
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import IdentificationForm
from passplus.reminders.delivery import send_once
from passplus.reminders.models import ReminderKind, ReminderSent

NOTICE = dt.timedelta(days=3)
OCCASION = "J-3"


def correspondent_invitation_remind(*, now: dt.datetime) -> int:
    """Remind about each current, unused, unrevoked invitation of an identification form that
    expires within NOTICE (and has not expired). Returns how many e-mails were queued."""
    already = ReminderSent.objects.of(ReminderKind.CORRESPONDENT_INVITATION, OCCASION).filter(
        target_id=OuterRef("invitation_id")
    )
    forms = (
        IdentificationForm.objects.filter(
            organisation__status=OrganisationStatus.IDENTIFIED,
            invitation__purpose=InvitationPurpose.AFFILIATION,
            invitation__used_at__isnull=True,
            invitation__revoked_at__isnull=True,
            invitation__expires_at__gt=now,
            invitation__expires_at__lte=now + NOTICE,
        )
        .exclude(Exists(already))
        .select_related("organisation__commune", "invitation", "registered_by")
        .order_by("invitation__expires_at", "pk")
    )
    sent = 0
    for form in forms:
        invitation = form.invitation
        assert invitation is not None  # filtered above
        sent += send_once(
            kind=ReminderKind.CORRESPONDENT_INVITATION,
            target=invitation,
            occasion=OCCASION,
            to=recipients(form),
            template="correspondent_invitation",
            context=_context(form),
            audit_on=form.organisation,
        )
    return sent


def recipients(form: IdentificationForm) -> list[str]:
    correspondents = User.objects.filter(
        role=Role.CORRESPONDENT, is_active=True, communes=form.organisation.commune_id
    )
    if form.registered_by_id and correspondents.filter(pk=form.registered_by_id).exists():
        correspondents = correspondents.filter(pk=form.registered_by_id)
    return sorted(set(correspondents.values_list("email", flat=True)))


def _context(form: IdentificationForm) -> dict[str, Any]:
    assert form.invitation is not None
    return {
        "form": form,
        "organisation": form.organisation,
        "expires_at": timezone.localtime(form.invitation.expires_at),
        "validity_days": Invitation.VALIDITY.days,
        "link": settings.SITE_URL + reverse("correspondent:home"),
    }
