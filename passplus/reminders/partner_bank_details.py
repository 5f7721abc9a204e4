"""Organisations with entries "saisi" that cannot be paid: no validated bank details.

Sent once per payment cut-off, in the week before it, while it is still true: the partner has
time to enter its details (and the département to validate them) before the run is built.
Not sent to an organisation whose details wait for the département's validation (nothing for
it to do; the back office lists them), nor in the week after `notify_missing_bank_details`
told it at a run's build (passplus/payments/services.py), so that it is not told twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from passplus.organisations.enums import BankAccountStatus
from passplus.organisations.models import BankAccount, Organisation
from passplus.payments.calendar import next_cut_off
from passplus.reminders.delivery import send_once
from passplus.reminders.models import ReminderKind, ReminderSent
from passplus.tickets.models import Redemption, RedemptionStatus

WINDOW = dt.timedelta(days=7)
ENTERED = RedemptionStatus.ENTERED


def occasion_of(cut_off: dt.datetime) -> str:
    return f"coupure {timezone.localtime(cut_off):%Y-%m-%d}"


def partner_bank_details_remind(*, now: dt.datetime) -> int:
    """Remind, before the next cut-off, each organisation whose entries cannot be paid.
    Returns how many e-mails were queued."""
    cut_off = next_cut_off(now)
    if cut_off - now > WINDOW:
        return 0
    occasion = occasion_of(cut_off)
    waiting = Redemption.objects.filter(organisation=OuterRef("pk"), status=ENTERED)
    already = ReminderSent.objects.of(ReminderKind.PARTNER_BANK_DETAILS, occasion).filter(
        target_id=OuterRef("pk")
    )
    with_details = BankAccount.objects.filter(
        status__in=[BankAccountStatus.VALIDATED, BankAccountStatus.PENDING]
    ).values("organisation_id")
    organisations = (
        Organisation.objects.filter(Exists(waiting))
        .exclude(pk__in=with_details)
        .exclude(Exists(already))
        .exclude(missing_bank_details_notified_at__gt=now - WINDOW)
        .annotate(
            entries=Count("redemptions", filter=Q(redemptions__status=ENTERED)),
            entries_cents=Sum("redemptions__amount_cents", filter=Q(redemptions__status=ENTERED)),
        )
        .order_by("pk")
    )
    sent = 0
    for organisation in organisations:
        sent += send_once(
            kind=ReminderKind.PARTNER_BANK_DETAILS,
            target=organisation,
            occasion=occasion,
            to=organisation.notification_emails,
            template="partner_bank_details",
            context=_context(organisation, cut_off),
        )
    return sent


def _context(organisation: Any, cut_off: dt.datetime) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "entries": organisation.entries,
        "entries_cents": organisation.entries_cents,
        "cut_off": timezone.localtime(cut_off),
        "link": settings.SITE_URL + reverse("partner:bank_details"),
    }
