"""Payment data at a realistic volume (redemptions in bulk), and runs and payments in a given
state."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from passplus.organisations.models import Organisation
from passplus.payments.models import Payment, PaymentRun
from passplus.payments.models import PaymentRunStatus as RS
from passplus.tickets.models import Redemption, Ticket, TicketStatus
from passplus.tickets.models import RedemptionStatus as R
from passplus.tickets.numbers import generate_ticket_number
from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    PaymentFactory,
    PaymentRunFactory,
    RedemptionFactory,
    WalletFactory,
)

CUT_OFF = timezone.make_aware(dt.datetime(2026, 11, 16))


def entries(
    organisation: Organisation, count: int, *, status: str = R.ENTERED, **fields: Any
) -> None:
    """`count` redemptions of `organisation`, each on its own used ticket, in two bulk INSERTs."""
    wallet = WalletFactory()
    tickets = Ticket.objects.bulk_create(
        Ticket(
            number=generate_ticket_number(),
            wallet=wallet,
            amount_cents=random.choice([1000, 2000, 2500, 8000]),
            status=TicketStatus.USED,
        )
        for _ in range(count)
    )
    Redemption.objects.bulk_create(
        Redemption(
            ticket=ticket,
            organisation=organisation,
            amount_cents=ticket.amount_cents,
            status=status,
            entered_at=fields.get("entered_at", CUT_OFF - dt.timedelta(days=3)),
            **{key: value for key, value in fields.items() if key != "entered_at"},
        )
        for ticket in tickets
    )


def paid_organisations(count: int, per_organisation: int) -> list[Organisation]:
    organisations = []
    for _ in range(count):
        organisation = OrganisationFactory()
        BankAccountFactory(organisation=organisation, validated=True)
        entries(organisation, per_organisation)
        organisations.append(organisation)
    return organisations


def run_in(status: str, **kwargs: Any) -> PaymentRun:
    traits = {} if status == RS.DRAFT else {status: True}
    return PaymentRunFactory(**traits, **kwargs)


def payment_with_redemptions(run: PaymentRun, count: int = 2) -> Payment:
    """A pending payment of `run` carrying `count` redemptions in payment."""
    payment = PaymentFactory(run=run, amount_cents=2000 * count, ticket_count=count)
    for _ in range(count):
        RedemptionFactory(
            organisation=payment.organisation,
            status=R.IN_PAYMENT,
            payment=payment,
            amount_cents=2000,
        )
    return payment
