"""The family space: each child's credit and tickets, creating, printing and cancelling a ticket,
and another family's pupils and tickets out of reach (404) at every URL that takes an id."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.core.errors import DomainError
from passplus.pupils.models import Wallet
from passplus.tickets.models import Ticket, TicketStatus
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import (
    PupilFactory,
    RedemptionFactory,
    SchoolYearFactory,
    TicketFactory,
    UserFactory,
    WalletFactory,
)
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def wallet(client: Client) -> Wallet:
    """An 80 € wallet of the logged-in family's child, in a campaign open for tickets."""
    wallet = WalletFactory(granted_cents=8000, pupil__first_name="Léa", pupil__last_name="Martin")
    client.force_login(wallet.pupil.family.user)
    return wallet


def page_text(response: Any) -> str:
    return " ".join(parse_html(response).get_text(" ").split())


def field_errors(response: Any, field: str) -> str:
    return text_of(parse_html(response), f"#id_{field}_error")


def new_ticket_url(wallet: Wallet) -> str:
    return reverse("family:ticket_new", args=[wallet.pupil_id])


# Home ------------------------------------------------------------------------------------------


def test_home_shows_each_child_their_credit_and_tickets_with_statuses(
    client: Client, wallet: Wallet
) -> None:
    sister = WalletFactory(pupil__family=wallet.pupil.family, pupil__first_name="Zoé")
    TicketFactory(wallet=wallet, amount_cents=2000)
    TicketFactory(wallet=wallet, amount_cents=1000, void=True)
    stranger = TicketFactory(wallet__pupil__first_name="Inconnu")

    response = client.get(reverse("family:home"))

    text = page_text(response)
    assert "Léa Martin" in text and "Zoé" in text
    assert "80,00 € accordés, 60,00 € restants" in text  # the void ticket gave its 10 € back
    assert f"{sister.granted_cents // 100},00 € accordés" in text
    assert "Disponible" in text and "Annulé" in text
    assert "Inconnu" not in text and stranger.display_number not in text


def test_a_used_ticket_shows_where_and_when_it_was_used(client: Client, wallet: Wallet) -> None:
    when = timezone.make_aware(dt.datetime(2026, 10, 3, 23, 30), dt.UTC)  # 04/10 in Paris
    redemption = RedemptionFactory(
        ticket__wallet=wallet, organisation__public_name="Judo Club Nanterre", entered_at=when
    )
    # A cancelled entry by another organisation is not where the ticket was used.
    RedemptionFactory(ticket=redemption.ticket, cancelled=True, organisation__public_name="Autre")

    page = parse_html(client.get(reverse("family:home")))

    row = next(r for r in page.select("tbody tr") if redemption.ticket.display_number in r.text)
    cells = [" ".join(td.get_text(" ").split()) for td in row.select("td")]
    assert cells[2:] == ["Utilisé", "Judo Club Nanterre, le 04/10/2026", "—"]


def test_only_available_tickets_offer_print_and_cancel(client: Client, wallet: Wallet) -> None:
    available = TicketFactory(wallet=wallet)
    used = TicketFactory(wallet=wallet, used=True)

    page = parse_html(client.get(reverse("family:home")))

    links = {a["href"] for a in page.select("tbody a")}
    assert links == {
        reverse("family:ticket", args=[available.pk]),  # its HTML version (issue 22 §11)
        reverse("family:ticket_pdf", args=[available.pk]),
        reverse("family:ticket_cancel", args=[available.pk]),
    }
    assert reverse("family:ticket_pdf", args=[used.pk]) not in links


# Creating a ticket -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("25", 2500), ("12,50", 1250), ("12.5", 1250), (" 7,05 € ", 705), ("80", 8000)],
)
def test_a_ticket_is_created_for_an_amount_in_euros(
    client: Client, wallet: Wallet, typed: str, cents: int
) -> None:
    response = client.post(new_ticket_url(wallet), {"wallet": wallet.pk, "amount": typed})

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.wallet, ticket.amount_cents, ticket.status) == (wallet, cents, "available")
    assert audit_trail(ticket) == [("ticket.issue", wallet.pupil.family.user.pk)]
    assert ticket.display_number in page_text(client.get(response["Location"]))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Indiquez le montant du ticket."),
        ("0", "Le montant doit être supérieur à 0 €."),
        ("0,00", "Le montant doit être supérieur à 0 €."),
        ("-5", "Le montant doit être supérieur à 0 €."),
        ("dix", "Saisissez un montant en euros, par exemple 25 ou 12,50."),
        ("12,345", "Saisissez un montant en euros, par exemple 25 ou 12,50."),
        ("1e3", "Saisissez un montant en euros, par exemple 25 ou 12,50."),
        ("Infinity", "Saisissez un montant en euros, par exemple 25 ou 12,50."),
        ("NaN", "Saisissez un montant en euros, par exemple 25 ou 12,50."),
        ("٣", "Saisissez un montant en euros, par exemple 25 ou 12,50."),
        ("80,01", "Le montant dépasse le crédit restant (80,00 €)."),
        ("9" * 19, "Saisissez un montant en euros, par exemple 25 ou 12,50."),
    ],
)
def test_a_bad_amount_gets_a_french_message_and_saves_nothing(
    client: Client, wallet: Wallet, typed: str, message: str
) -> None:
    with assert_unchanged(wallet, counted=[Ticket]):
        response = client.post(new_ticket_url(wallet), {"wallet": wallet.pk, "amount": typed})

    assert response.status_code == 200
    assert field_errors(response, "amount") == message


def test_more_than_the_remaining_credit_is_refused(client: Client, wallet: Wallet) -> None:
    TicketFactory(wallet=wallet, amount_cents=5000)

    with assert_unchanged(wallet, counted=[Ticket]):
        response = client.post(new_ticket_url(wallet), {"wallet": wallet.pk, "amount": "30,01"})

    assert field_errors(response, "amount") == "Le montant dépasse le crédit restant (30,00 €)."


def test_after_the_generation_deadline_no_ticket_is_created(client: Client) -> None:
    today = timezone.localdate()
    year = SchoolYearFactory(
        label="campagne-close",
        starts_on=today - dt.timedelta(days=200),
        generation_deadline=today - dt.timedelta(days=1),
    )
    wallet = WalletFactory(school_year=year)
    client.force_login(wallet.pupil.family.user)

    assert "close depuis le" in page_text(client.get(new_ticket_url(wallet)))
    with assert_unchanged(wallet, counted=[Ticket]):
        response = client.post(new_ticket_url(wallet), {"wallet": wallet.pk, "amount": "10"})

    assert response.status_code == 200
    assert (
        "La création de tickets de l'année scolaire campagne-close est close depuis le "
        f"{year.generation_deadline:%d/%m/%Y}." in page_text(response)
    )


@pytest.mark.parametrize("owner", ["another family", "a sibling"])
def test_a_wallet_that_is_not_this_childs_is_refused(
    client: Client, wallet: Wallet, owner: str
) -> None:
    family = None if owner == "another family" else wallet.pupil.family
    other = WalletFactory(**({"pupil__family": family} if family else {}))

    with assert_unchanged(wallet, other, counted=[Ticket]):
        response = client.post(new_ticket_url(wallet), {"wallet": other.pk, "amount": "10"})

    # One credit: its field is hidden, so the refusal is said at the amount (issue 33 §5).
    assert field_errors(response, "amount") == "Choisissez l'un des crédits de cet enfant."


def test_a_double_submit_cannot_go_beyond_the_credit(client: Client, wallet: Wallet) -> None:
    data = {"wallet": wallet.pk, "amount": "50"}

    first = client.post(new_ticket_url(wallet), data)
    with assert_unchanged(wallet, counted=[Ticket]):
        second = client.post(new_ticket_url(wallet), data)

    assert (first.status_code, second.status_code) == (302, 200)
    assert "dépasse le crédit restant" in field_errors(second, "amount")
    assert list(Ticket.objects.values_list("amount_cents", flat=True)) == [5000]


def test_a_refusal_under_the_wallet_lock_is_shown_on_the_amount(
    client: Client, wallet: Wallet
) -> None:
    """The form saw enough credit, but a concurrent request took it before the lock."""
    refusal = DomainError("Le montant dépasse le crédit restant.")
    with (
        assert_unchanged(wallet, counted=[Ticket]),
        mock.patch.object(Ticket, "issue", side_effect=refusal),
    ):
        response = client.post(new_ticket_url(wallet), {"wallet": wallet.pk, "amount": "50"})

    assert field_errors(response, "amount") == "Le montant dépasse le crédit restant."


# Cancelling a ticket ---------------------------------------------------------------------------


def test_cancelling_asks_for_confirmation_then_returns_the_amount(
    client: Client, wallet: Wallet
) -> None:
    ticket = TicketFactory(wallet=wallet, amount_cents=3000)
    url = reverse("family:ticket_cancel", args=[ticket.pk])

    confirmation = parse_html(client.get(url))
    assert db_row(ticket)["status"] == TicketStatus.AVAILABLE  # GET changes nothing
    assert confirmation.select_one("main form[method=post] button").get_text() == (
        "Confirmer l'annulation"
    )
    response = client.post(url)

    assert response.status_code == 302
    assert db_row(ticket)["status"] == TicketStatus.VOID
    assert db_row(ticket)["status_reason"] == "annulé par la famille"
    assert wallet.remaining_cents() == 8000
    assert audit_trail(ticket) == [("ticket.void", wallet.pupil.family.user.pk)]
    assert "30,00 € reviennent au crédit de Léa" in page_text(client.get(response["Location"]))


def test_a_ticket_entered_by_a_partner_during_the_confirmation_is_not_cancelled(
    client: Client, wallet: Wallet
) -> None:
    ticket = TicketFactory(wallet=wallet)
    real_void = Ticket.void
    voided: list[int] = []

    def entered_meanwhile(self: Ticket, **kwargs: Any) -> None:
        # The page has read the ticket as available; a partner enters it now, then the real
        # void runs: it must see the stored state, not the one the page read.
        Ticket.objects.filter(pk=self.pk).update(status=TicketStatus.USED)
        voided.append(self.pk)
        real_void(self, **kwargs)

    # The ticket's own row is changed by the simulated partner entry: the wallet, the ticket
    # count and the audit log are compared.
    with (
        assert_unchanged(wallet, counted=[Ticket]),
        mock.patch.object(Ticket, "void", entered_meanwhile),
    ):
        response = client.post(reverse("family:ticket_cancel", args=[ticket.pk]))

    assert voided == [ticket.pk]  # the page did try to void it
    assert db_row(ticket)["status"] == TicketStatus.USED
    assert response.status_code == 409
    assert "déjà été utilisé" in text_of(parse_html(response), "[role=alert]")


def test_cancelling_after_the_generation_deadline_warns_the_credit_cannot_be_reused(
    client: Client,
) -> None:
    today = timezone.localdate()
    year = SchoolYearFactory(
        label="campagne-close",
        starts_on=today - dt.timedelta(days=200),
        generation_deadline=today - dt.timedelta(days=1),
    )
    ticket = TicketFactory(wallet__school_year=year)
    client.force_login(ticket.wallet.pupil.family.user)

    text = page_text(client.get(reverse("family:ticket_cancel", args=[ticket.pk])))

    assert "ce montant ne pourra plus servir à créer un autre ticket" in text


@pytest.mark.parametrize(
    ("trait", "message"),
    [
        (
            "used",
            "Ce ticket a déjà été utilisé auprès d'un organisme : il ne peut pas être annulé.",
        ),
        ("void", "Ce ticket est déjà annulé."),
        ("expired", "Ce ticket a expiré : il ne peut plus être annulé."),
    ],
)
def test_a_ticket_that_is_not_available_cannot_be_cancelled(
    client: Client, wallet: Wallet, trait: str, message: str
) -> None:
    ticket = TicketFactory(wallet=wallet, **{trait: True})
    url = reverse("family:ticket_cancel", args=[ticket.pk])

    confirmation = parse_html(client.get(url))
    with assert_unchanged(ticket, wallet):
        response = client.post(url)

    assert confirmation.select("main form[method=post] button") == []
    assert response.status_code == 409
    assert text_of(parse_html(response), "[role=alert]") == message


# Isolation -------------------------------------------------------------------------------------

ID_URLS = [
    ("family:ticket_new", "pupil", "get"),
    ("family:ticket_new", "pupil", "post"),
    ("family:ticket_pdf", "ticket", "get"),
    ("family:ticket_cancel", "ticket", "get"),
    ("family:ticket_cancel", "ticket", "post"),
]


@pytest.mark.parametrize(("url_name", "target", "method"), ID_URLS)
def test_another_familys_pupil_or_ticket_is_not_found(
    client: Client, wallet: Wallet, url_name: str, target: str, method: str
) -> None:
    theirs = TicketFactory()
    obj = theirs.wallet.pupil if target == "pupil" else theirs
    url = reverse(url_name, args=[obj.pk])
    data = {"wallet": theirs.wallet.pk, "amount": "10"}

    with assert_unchanged(theirs, theirs.wallet, counted=[Ticket]):
        response = getattr(client, method)(url, data if method == "post" else None)

    assert response.status_code == 404
    assert theirs.display_number not in response.content.decode()


@pytest.mark.parametrize(("url_name", "target", "method"), ID_URLS)
def test_family_urls_need_a_family_login(
    client: Client, url_name: str, target: str, method: str
) -> None:
    ticket = TicketFactory()
    obj = ticket.wallet.pupil if target == "pupil" else ticket
    url = reverse(url_name, args=[obj.pk])

    member = UserFactory(organisation_member=True)

    with assert_unchanged(ticket, ticket.wallet):
        anonymous = getattr(client, method)(url)
        client.force_login(member)
        partner = getattr(client, method)(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    assert partner.status_code == 403


def test_the_home_lists_no_other_familys_child(client: Client, wallet: Wallet) -> None:
    PupilFactory(first_name="Ailleurs")
    WalletFactory(pupil__first_name="Autrepart", school_year=wallet.school_year)

    text = page_text(client.get(reverse("family:home")))

    assert "Ailleurs" not in text and "Autrepart" not in text
