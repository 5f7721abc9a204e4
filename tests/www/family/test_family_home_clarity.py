"""Issue 33 §5, the family space made clear on a phone: what « restants » means, the unused
tickets' value apart, the creation message linking to the new ticket, cancelled tickets after
live ones, no one-choice « Crédit utilisé » radio, and a QR code the page can scale."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.pupils.models import Wallet
from passplus.tickets.models import Ticket
from tests.helpers.factories import TicketFactory, WalletFactory
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def wallet(client: Client) -> Wallet:
    wallet = WalletFactory(granted_cents=8000, pupil__first_name="Léa", pupil__last_name="Martin")
    client.force_login(wallet.pupil.family.user)
    return wallet


def page_text(response: Any) -> str:
    return " ".join(parse_html(response).get_text(" ").split())


def test_home_says_what_restants_means_and_shows_unused_tickets_apart(
    client: Client, wallet: Wallet
) -> None:
    TicketFactory(wallet=wallet, amount_cents=2000)
    TicketFactory(wallet=wallet, amount_cents=500)
    TicketFactory(wallet=wallet, amount_cents=1000, void=True)

    text = page_text(client.get(reverse("family:home")))

    assert "55,00 € restants (crédit pas encore transformé en tickets)" in text
    assert "Tickets créés, pas encore utilisés : 2 tickets, 25,00 €" in text


def test_home_has_no_unused_tickets_line_without_available_tickets(
    client: Client, wallet: Wallet
) -> None:
    TicketFactory(wallet=wallet, amount_cents=1000, void=True)

    text = page_text(client.get(reverse("family:home")))

    assert "80,00 € restants (crédit pas encore transformé en tickets)" in text
    assert "pas encore utilisés" not in text


def test_cancelled_tickets_are_listed_after_live_ones(client: Client, wallet: Wallet) -> None:
    live = TicketFactory(wallet=wallet, amount_cents=2000)
    void = TicketFactory(wallet=wallet, amount_cents=1000, void=True)  # newer: first today
    newest = TicketFactory(wallet=wallet, amount_cents=700)

    html = parse_html(client.get(reverse("family:home")))

    rows = [row.get_text(" ") for row in html.select("table tbody tr")]
    numbers = [
        next(t.display_number for t in (live, void, newest) if t.display_number in row)
        for row in rows
    ]
    assert numbers == [newest.display_number, live.display_number, void.display_number]
    cards = [card.get_text(" ") for card in html.select(".row-cards li")]
    assert void.display_number in cards[-1]


def test_the_creation_message_links_to_the_new_ticket_page_and_its_pdf(
    client: Client, wallet: Wallet
) -> None:
    response = client.post(
        reverse("family:ticket_new", args=[wallet.pupil_id]),
        {"wallet": wallet.pk, "amount": "12,50"},
        follow=True,
    )

    ticket = Ticket.objects.get(wallet=wallet)
    message = parse_html(response).select_one(".messages")
    assert message is not None
    links = {a["href"]: " ".join(a.get_text(" ").split()) for a in message.select("a")}
    assert reverse("family:ticket", args=[ticket.pk]) in links
    assert reverse("family:ticket_pdf", args=[ticket.pk]) in links
    assert ticket.display_number in message.get_text(" ")


def test_one_wallet_needs_no_credit_radio(client: Client, wallet: Wallet) -> None:
    html = parse_html(client.get(reverse("family:ticket_new", args=[wallet.pupil_id])))

    assert html.select("input[type=radio][name=wallet]") == []
    hidden = html.select_one("input[type=hidden][name=wallet]")
    assert hidden is not None and hidden["value"] == str(wallet.pk)
    # The page still says which credit the ticket comes from, and how much is left.
    assert "80,00 € restants sur 80,00 €" in " ".join(html.get_text(" ").split())

    response = client.post(
        reverse("family:ticket_new", args=[wallet.pupil_id]),
        {"wallet": wallet.pk, "amount": "10"},
    )
    assert response.status_code == 302
    assert Ticket.objects.get(wallet=wallet).amount_cents == 1000


def test_two_wallets_keep_the_credit_radio(client: Client, wallet: Wallet) -> None:
    WalletFactory(pupil=wallet.pupil, school_year=wallet.school_year, domain="culture")

    html = parse_html(client.get(reverse("family:ticket_new", args=[wallet.pupil_id])))

    assert len(html.select("input[type=radio][name=wallet]")) == 2


def test_the_ticket_page_qr_code_scales_with_a_view_box(client: Client, wallet: Wallet) -> None:
    ticket = TicketFactory(wallet=wallet, amount_cents=2000)

    html = parse_html(client.get(reverse("family:ticket", args=[ticket.pk])))

    svg = html.select_one("figure.qr-code svg[role=img]")
    assert svg is not None
    assert svg.get("viewbox") == "0 0 29 29"  # version 1 (21 modules) and a 4-module border


def test_one_wallet_fully_used_says_so_at_the_amount(client: Client, wallet: Wallet) -> None:
    TicketFactory(wallet=wallet, amount_cents=8000)

    response = client.post(
        reverse("family:ticket_new", args=[wallet.pupil_id]),
        {"wallet": wallet.pk, "amount": "10"},
    )

    assert response.status_code == 200
    error = parse_html(response).select_one("#id_amount_error")
    assert error is not None and "Ce crédit est entièrement utilisé." in error.get_text()
    assert Ticket.objects.filter(wallet=wallet).count() == 1
