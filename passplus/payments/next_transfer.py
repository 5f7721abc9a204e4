"""What a partner can plan on: its next transfer (amount, tickets, expected day), read-only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Sum

from passplus.organisations.models import Organisation
from passplus.payments.build import payable_before
from passplus.payments.calendar import expected_payment_day, last_day_included, next_cut_off


@dataclass(frozen=True)
class NextTransfer:
    amount_cents: int
    ticket_count: int
    expected_on: dt.date  # the day the transfer is expected on the account
    entered_until: dt.date  # the last day of entries it pays (included)


def next_transfer(organisation: Organisation, now: dt.datetime) -> NextTransfer:
    """The next run's transfer to `organisation`: what it would pay if built now."""
    cut_off = next_cut_off(now)
    totals = (
        payable_before(cut_off)
        .filter(organisation=organisation)
        .aggregate(cents=Sum("amount_cents"), count=Count("pk"))
    )
    return NextTransfer(
        amount_cents=totals["cents"] or 0,
        ticket_count=totals["count"] or 0,
        expected_on=expected_payment_day(cut_off),
        entered_until=last_day_included(cut_off),
    )
