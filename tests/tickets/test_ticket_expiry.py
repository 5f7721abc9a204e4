"""The nightly expiry of unused tickets (issue 17 §1): only years past both deadlines, only
available tickets, in batches, once, audited; the family sees what it lost; an expired ticket
can no longer be entered."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from passplus.audit.models import AuditEvent
from passplus.campaigns.models import SchoolYear
from passplus.core.errors import DomainError
from passplus.pupils.models import Wallet
from passplus.tickets.expiry import tickets_expire_past_deadlines
from passplus.tickets.models import Redemption, Ticket, TicketStatus
from passplus.tickets.services import redemption_enter
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import (
    OrganisationFactory,
    SchoolYearFactory,
    TicketFactory,
    UserFactory,
    WalletFactory,
)
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
T = TicketStatus
# The 2026-2027 campaign: tickets created until 31/05/2027, entered until 30/06/2027.
GENERATION_DEADLINE = dt.date(2027, 5, 31)
REDEMPTION_DEADLINE = dt.date(2027, 6, 30)
AFTER_BOTH = dt.date(2027, 7, 1)


def year_2026(label: str = "2026-2027") -> SchoolYear:
    return SchoolYearFactory(
        label=label,
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2027, 8, 31),
        generation_deadline=GENERATION_DEADLINE,
        redemption_deadline=REDEMPTION_DEADLINE,
    )


def status_of(ticket: Ticket) -> str:
    return str(db_row(ticket)["status"])


# Which tickets expire --------------------------------------------------------------------------


def test_available_tickets_of_a_year_past_both_deadlines_expire() -> None:
    year = year_2026()
    first, second = TicketFactory(wallet__school_year=year), TicketFactory(wallet__school_year=year)

    summary = tickets_expire_past_deadlines(today=AFTER_BOTH)

    assert summary == {"expired": 2, "school_years": {"2026-2027": 2}}
    assert status_of(first) == status_of(second) == T.EXPIRED
    assert db_row(first)["status_reason"] == "date limite de saisie de l'année scolaire passée"


def test_nothing_expires_until_the_day_after_the_redemption_deadline() -> None:
    ticket = TicketFactory(wallet__school_year=year_2026())

    assert tickets_expire_past_deadlines(today=REDEMPTION_DEADLINE)["expired"] == 0
    assert tickets_expire_past_deadlines(today=GENERATION_DEADLINE + dt.timedelta(days=1)) == {
        "expired": 0,
        "school_years": {},
    }
    assert status_of(ticket) == T.AVAILABLE
    assert tickets_expire_past_deadlines(today=AFTER_BOTH)["expired"] == 1


def test_years_still_open_are_untouched() -> None:
    past = TicketFactory(wallet__school_year=year_2026())
    entry_open = TicketFactory(  # no more tickets created, but still entered until 31/07
        wallet__school_year=SchoolYearFactory(
            label="entry-open",
            starts_on=dt.date(2026, 9, 1),
            ends_on=dt.date(2027, 8, 31),
            generation_deadline=dt.date(2027, 5, 31),
            redemption_deadline=dt.date(2027, 7, 31),
        )
    )
    later = TicketFactory(
        wallet__school_year=SchoolYearFactory(
            label="2027-2028",
            starts_on=dt.date(2027, 9, 1),
            ends_on=dt.date(2028, 8, 31),
            generation_deadline=dt.date(2028, 5, 31),
            redemption_deadline=dt.date(2028, 6, 30),
        )
    )

    assert tickets_expire_past_deadlines(today=AFTER_BOTH)["school_years"] == {"2026-2027": 1}

    assert status_of(past) == T.EXPIRED
    assert status_of(entry_open) == T.AVAILABLE
    assert status_of(later) == T.AVAILABLE


def test_used_void_and_already_expired_tickets_are_untouched() -> None:
    year = year_2026()
    used = TicketFactory(wallet__school_year=year, used=True)
    void = TicketFactory(wallet__school_year=year, void=True)
    expired = TicketFactory(wallet__school_year=year, expired=True)
    rows = [db_row(ticket) for ticket in (used, void, expired)]

    assert tickets_expire_past_deadlines(today=AFTER_BOTH)["expired"] == 0

    assert [db_row(ticket) for ticket in (used, void, expired)] == rows
    assert not AuditEvent.objects.filter(action="ticket.expire").exists()


def test_a_second_run_changes_nothing() -> None:
    year = year_2026()
    tickets = [TicketFactory(wallet__school_year=year) for _ in range(3)]
    tickets_expire_past_deadlines(today=AFTER_BOTH)

    with assert_unchanged(*tickets):
        summary = tickets_expire_past_deadlines(today=AFTER_BOTH + dt.timedelta(days=1))

    assert summary == {"expired": 0, "school_years": {}}


def test_tickets_expire_in_batches_each_audited() -> None:
    year = year_2026()
    tickets = [TicketFactory(wallet__school_year=year) for _ in range(5)]

    summary = tickets_expire_past_deadlines(today=AFTER_BOTH, batch_size=2)

    assert summary["expired"] == 5
    assert all(status_of(ticket) == T.EXPIRED for ticket in tickets)
    for ticket in tickets:
        assert audit_trail(ticket) == [("ticket.expire", None)]
    batches = AuditEvent.objects.for_object(year).filter(action="school_year.expire_tickets")
    assert sorted(event.after["expired"] for event in batches) == [1, 2, 2]
    assert {event.actor_label for event in batches} == {"système"}


def test_the_credit_left_in_the_wallet_is_not_given_back() -> None:
    wallet = WalletFactory(school_year=year_2026(), granted_cents=8000)
    TicketFactory(wallet=wallet, amount_cents=3000)

    tickets_expire_past_deadlines(today=AFTER_BOTH)

    # An expired ticket still counts as spent: its amount is lost, never back in the credit.
    assert Wallet.objects.with_balance().get(pk=wallet.pk).remaining == 5000


@pytest.mark.django_db(transaction=True)
def test_two_processes_at_once_expire_each_ticket_once() -> None:
    """Two schedulers started by mistake: the rows are shared, each expired and audited once.
    Transactional (see tests/browser/test_partner_journey.py)."""
    year = year_2026()
    tickets = [TicketFactory(wallet__school_year=year) for _ in range(40)]
    barrier, counts = threading.Barrier(2), []

    def run() -> None:
        barrier.wait()
        try:
            counts.append(tickets_expire_past_deadlines(today=AFTER_BOTH, batch_size=5)["expired"])
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 40
    assert Ticket.objects.filter(status=T.EXPIRED).count() == 40
    assert AuditEvent.objects.filter(action="ticket.expire").count() == 40
    assert all(status_of(ticket) == T.EXPIRED for ticket in tickets)


# What the family sees --------------------------------------------------------------------------


@pytest.fixture
def family_wallet(client: Client) -> Wallet:
    """An 80 € wallet of 2026-2027: a 20 € ticket used, a 20 € ticket never used, 40 € left."""
    wallet = WalletFactory(school_year=year_2026(), granted_cents=8000, pupil__first_name="Léa")
    TicketFactory(wallet=wallet, amount_cents=2000, used=True)
    TicketFactory(wallet=wallet, amount_cents=2000)
    return wallet


def home_page(client: Client, wallet: Wallet) -> Any:
    """The family's home, logged in at the (travelled) time: sessions end after 14 days."""
    client.force_login(wallet.pupil.family.user)
    return client.get(reverse("family:home"))


def home_text(client: Client, wallet: Wallet) -> str:
    return text_of(parse_html(home_page(client, wallet)), "main")


def test_before_the_generation_deadline_the_credit_is_available(
    client: Client, family_wallet: Wallet
) -> None:
    with time_machine.travel(dt.datetime(2027, 5, 31, 12, 0, tzinfo=PARIS)):
        text = home_text(client, family_wallet)
    assert "80,00 € accordés, 40,00 € restants" in text
    assert "perdu" not in text


def test_past_the_generation_deadline_the_unused_credit_shows_as_lost(
    client: Client, family_wallet: Wallet
) -> None:
    with time_machine.travel(dt.datetime(2027, 6, 1, 12, 0, tzinfo=PARIS)):
        text = home_text(client, family_wallet)
    assert "Crédit non utilisé : 40,00 €, perdu depuis le 01/06/2027" in text
    assert "restants" not in text
    assert "expiré" not in text  # the 20 € ticket can still be handed to a partner


def test_after_the_expiry_the_family_sees_its_expired_ticket_and_what_it_lost(
    client: Client, family_wallet: Wallet
) -> None:
    with time_machine.travel(dt.datetime(2027, 7, 1, 12, 0, tzinfo=PARIS)):
        tickets_expire_past_deadlines(today=AFTER_BOTH)
        response = home_page(client, family_wallet)
    soup = parse_html(response)
    text = text_of(soup, "main")
    assert "Crédit non utilisé : 40,00 €, perdu depuis le 01/06/2027" in text
    assert "1 ticket expiré sans avoir été utilisé, montant perdu : 20,00 €." in text
    assert "la saisie des tickets par les organismes est close depuis le 01/07/2027" in text
    statuses = [row.find_all("td")[2].get_text(strip=True) for row in soup.select("tbody tr")]
    assert sorted(statuses) == ["Expiré", "Utilisé"]
    assert "Imprimer" not in text and "Annuler" not in text


def test_two_expired_tickets_are_counted_in_the_plural(client: Client) -> None:
    wallet = WalletFactory(school_year=year_2026(), granted_cents=8000)
    TicketFactory(wallet=wallet, amount_cents=3000)
    TicketFactory(wallet=wallet, amount_cents=5000)
    with time_machine.travel(dt.datetime(2027, 7, 2, 12, 0, tzinfo=PARIS)):
        tickets_expire_past_deadlines(today=dt.date(2027, 7, 2))
        text = home_text(client, wallet)
    assert "2 tickets expirés sans avoir été utilisés, montant perdu : 80,00 €." in text
    assert "Crédit non utilisé" not in text  # everything had become tickets


# Entry and generation refused --------------------------------------------------------------------


def test_an_expired_ticket_cannot_be_entered() -> None:
    ticket = TicketFactory(wallet__school_year=year_2026())
    tickets_expire_past_deadlines(today=AFTER_BOTH)
    ticket.refresh_from_db()
    organisation = OrganisationFactory()

    with (
        assert_unchanged(ticket, counted=[Redemption]),
        pytest.raises(DomainError, match=r"^Ce ticket a expiré\.$"),
    ):
        redemption_enter(ticket=ticket, organisation=organisation, actor=None, today=AFTER_BOTH)


def test_the_partner_reads_that_the_ticket_expired(client: Client) -> None:
    ticket = TicketFactory(wallet__school_year=year_2026())
    organisation = OrganisationFactory()
    with time_machine.travel(dt.datetime(2027, 7, 1, 10, 0, tzinfo=PARIS)):
        client.force_login(UserFactory(organisation_member=True, organisation=organisation))
        tickets_expire_past_deadlines(today=AFTER_BOTH)
        with assert_unchanged(counted=[Redemption]):
            response: Any = client.post(
                reverse("partner:entry"),
                {"number": ticket.number, "birth_date": "12/04/2013"},
                follow=True,
            )
    assert "Ce ticket a expiré." in text_of(parse_html(response), "main")


def test_no_ticket_is_created_after_the_generation_deadline() -> None:
    wallet = WalletFactory(school_year=year_2026(), granted_cents=8000)

    Ticket.issue(wallet=wallet, amount_cents=1000, actor=None, today=GENERATION_DEADLINE)
    with (
        assert_unchanged(wallet, counted=[Ticket]),
        pytest.raises(DomainError, match="se créent du 01/09/2026 au 31/05/2027"),
    ):
        Ticket.issue(
            wallet=wallet,
            amount_cents=1000,
            actor=None,
            today=GENERATION_DEADLINE + dt.timedelta(days=1),
        )
