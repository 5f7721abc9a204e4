"""What ticket entry shows in the metrics: every redemption entered (read from the database, so
right whatever process entered it), look-ups by outcome, and the blocks they lead to."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from passplus.core.errors import DomainError
from passplus.tickets.numbers import generate_ticket_number
from passplus.tickets.services import redemption_enter, ticket_lookup
from tests.helpers.factories import OrganisationFactory, RedemptionFactory, TicketFactory
from tests.helpers.metrics import metrics_on, scrape

pytestmark = pytest.mark.django_db


def test_a_redemption_entered_is_counted_and_stays_counted_once_cancelled(settings: Any) -> None:
    metrics_on(settings)
    RedemptionFactory(cancelled=True)
    before = scrape()
    ticket = TicketFactory()

    redemption = redemption_enter(
        ticket=ticket,
        organisation=OrganisationFactory(),
        actor=None,
        today=ticket.wallet.school_year.starts_on + dt.timedelta(days=30),
    )

    after = scrape()
    assert after.value("passplus_redemptions_entered_total") == (
        before.value("passplus_redemptions_entered_total") + 1
    )
    assert after.value("passplus_redemptions", status="entered") == (
        before.value("passplus_redemptions", status="entered") + 1
    )
    redemption.cancel(actor=None, reason="Erreur de saisie")
    cancelled = scrape()
    assert cancelled.value("passplus_redemptions_entered_total") == (
        after.value("passplus_redemptions_entered_total")
    )
    assert cancelled.value("passplus_redemptions", status="cancelled") == (
        after.value("passplus_redemptions", status="cancelled") + 1
    )


def look_up(organisation: Any, ticket: Any = None) -> None:
    ticket_lookup(
        number=ticket.number if ticket else generate_ticket_number(),
        birth_date=ticket.wallet.pupil.birth_date if ticket else dt.date(2013, 4, 12),
        organisation=organisation,
        ip="203.0.113.50",
    )


def test_look_ups_are_counted_by_outcome_and_a_refused_one_appears(settings: Any) -> None:
    metrics_on(settings)
    settings.PASSPLUS_LOOKUP_MAX_FAILURES = 3
    settings.PASSPLUS_LOOKUP_MAX_FAILURES_PER_ADDRESS = 3  # both scopes block at once here
    organisation = OrganisationFactory()
    before = scrape()

    look_up(organisation, TicketFactory())
    for _ in range(3):  # the third failure starts the block
        with pytest.raises(DomainError):
            look_up(organisation)
    with pytest.raises(DomainError, match="bloquée"):
        look_up(organisation, TicketFactory())  # refused, though it exists

    after = scrape()

    def more(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert more("passplus_ticket_lookups_total", outcome="found") == 1
    assert more("passplus_ticket_lookups_total", outcome="not_found") == 3
    assert more("passplus_ticket_lookups_total", outcome="blocked") == 1
    assert more("passplus_ticket_lookup_blocks_total", scope="organisation") == 1
    assert more("passplus_ticket_lookup_blocks_total", scope="ip") == 1
    assert more("passplus_ticket_lookup_blocks_active", scope="organisation") == 1
