"""The reminders' entry point, called by the scheduler (passplus/scheduling/functions.py).

Each kind computes from the data what is due at `now` and sends each reminder once (see
delivery.py); each can be switched off by a setting. Run late, twice, or by two processes at
once, it sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from passplus.reminders.correspondent_invitation import correspondent_invitation_remind
from passplus.reminders.family_credit import family_credit_remind
from passplus.reminders.models import ReminderKind
from passplus.reminders.partner_bank_details import partner_bank_details_remind

SWITCHES: dict[str, str] = {
    ReminderKind.FAMILY_CREDIT: "PASSPLUS_REMINDER_FAMILY_CREDIT",
    ReminderKind.PARTNER_BANK_DETAILS: "PASSPLUS_REMINDER_PARTNER_BANK_DETAILS",
    ReminderKind.CORRESPONDENT_INVITATION: "PASSPLUS_REMINDER_CORRESPONDENT_INVITATION",
}


def reminder_enabled(kind: str) -> bool:
    return bool(getattr(settings, SWITCHES[kind]))


def reminders_send_due(*, now: dt.datetime) -> dict[str, int]:
    """Queue every reminder due at `now`; returns how many e-mails of each kind were queued
    by this call (0 for a kind switched off), keyed by ReminderKind value."""
    senders: dict[ReminderKind, Callable[[], int]] = {
        ReminderKind.FAMILY_CREDIT: lambda: family_credit_remind(today=timezone.localdate(now)),
        ReminderKind.PARTNER_BANK_DETAILS: lambda: partner_bank_details_remind(now=now),
        ReminderKind.CORRESPONDENT_INVITATION: lambda: correspondent_invitation_remind(now=now),
    }
    return {str(kind): send() if reminder_enabled(kind) else 0 for kind, send in senders.items()}
