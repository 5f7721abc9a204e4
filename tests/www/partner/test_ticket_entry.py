"""A partner enters a ticket: number + birth date, confirmation screen, receipt, cancellation;
every refusal has its French reason and writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import User
from passplus.audit.models import AuditEvent
from passplus.organisations.models import Organisation
from passplus.tickets.models import Redemption, RedemptionStatus, Ticket, TicketStatus
from passplus.tickets.models.throttle import LookupThrottle
from passplus.tickets.numbers import format_ticket_number, generate_ticket_number
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import (
    ActivityFactory,
    OrganisationFactory,
    RedemptionFactory,
    SchoolYearFactory,
    TicketFactory,
    UserFactory,
    WalletFactory,
)
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db
BIRTH = "12/04/2013"  # TicketFactory's pupil
PARIS = ZoneInfo("Europe/Paris")


def today_at(hour: int, minute: int) -> dt.datetime:
    """Today in Paris (the factories' campaign is the current one) at this time: Paris's date,
    not the machine's, which differ for an hour or two around midnight."""
    return dt.datetime.combine(dt.datetime.now(PARIS).date(), dt.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(legal_name="Club de judo")


@pytest.fixture
def partner(client: Client, organisation: Organisation) -> Client:
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    return client


def look_up(client: Client, number: str, birth: str = BIRTH) -> Any:
    return client.post(reverse("partner:entry"), {"number": number, "birth_date": birth})


def main_text(response: Any) -> str:
    return text_of(parse_html(response), "main")


def test_number_and_birth_date_lead_to_the_confirmation_then_the_receipt(
    partner: Client, organisation: Organisation
) -> None:
    ticket = TicketFactory(amount_cents=3000)
    activity = ActivityFactory(organisation=organisation, name="Judo")

    response = look_up(partner, format_ticket_number(ticket.number), "2013-04-12")
    assert response["Location"] == reverse("partner:entry_confirm")
    page = main_text(partner.get(response["Location"]))
    pupil = ticket.wallet.pupil
    for expected in (pupil.first_name, pupil.last_name, pupil.college, "30,00 €", "Disponible"):
        assert expected in page
    assert "12/04/2013" not in page  # the birth date is the partner's to know, not to show

    response = partner.post(reverse("partner:entry_confirm"), {"activity": activity.pk})

    redemption = Redemption.objects.get()
    assert response["Location"] == reverse("partner:redemption", args=[redemption.pk])
    assert (redemption.status, redemption.organisation, redemption.activity) == (
        RedemptionStatus.ENTERED,
        organisation,
        activity,
    )
    assert db_row(ticket)["status"] == TicketStatus.USED
    assert [action for action, _ in audit_trail(redemption)] == ["redemption.enter"]
    assert "Saisi" in main_text(partner.get(response["Location"]))


@pytest.mark.parametrize(
    ("number", "birth", "message"),
    [
        ("1234 5678 9013", BIRTH, "Numéro de ticket invalide"),
        ("12345678901", BIRTH, "Numéro de ticket invalide"),
        ("1234567890123", BIRTH, "Numéro de ticket invalide"),
        ("ABCD EFGH IJKL", BIRTH, "Numéro de ticket invalide"),
        ("", BIRTH, "obligatoire"),
        ("__valid__", "", "obligatoire"),
        ("__valid__", "31/02/2013", "Date invalide"),
        ("__valid__", "12/04/2999", "futur"),
        ("__valid__", "12/04/1900", "année de naissance"),
        ("__valid__", "pas une date", "Date invalide"),
    ],
)
def test_bad_input_gets_a_french_message_and_no_lookup(
    partner: Client, number: str, birth: str, message: str
) -> None:
    ticket = TicketFactory()
    number = ticket.number if number == "__valid__" else number
    with assert_unchanged(ticket, counted=[Redemption, LookupThrottle]):
        response = look_up(partner, number, birth)
    assert response.status_code == 200
    assert message in main_text(response)


def test_a_wrong_number_and_a_wrong_birth_date_get_the_same_answer(partner: Client) -> None:
    ticket = TicketFactory()
    # Each failure is counted (LookupThrottle, by design): not compared.
    with assert_unchanged(ticket, counted=[Redemption]):
        unknown = look_up(partner, generate_ticket_number())
        wrong_birth = look_up(partner, ticket.number, "13/04/2013")

    errors = [text_of(parse_html(r), "#resume-erreurs") for r in (unknown, wrong_birth)]
    assert errors[0] == errors[1]
    assert "Aucun ticket ne correspond" in errors[0]
    assert LookupThrottle.objects.get(scope="organisation").failures == 2


def confirm_page(client: Client, ticket: Ticket) -> str:
    response = look_up(client, ticket.number)
    assert response.status_code == 302, main_text(response)
    return main_text(client.get(reverse("partner:entry_confirm")))


def test_a_ticket_already_entered_by_you_says_when(
    partner: Client, organisation: Organisation
) -> None:
    ticket = TicketFactory(used=True)
    RedemptionFactory(ticket=ticket, organisation=organisation)
    assert "Vous avez déjà saisi ce ticket le" in confirm_page(partner, ticket)


def test_a_ticket_used_elsewhere_does_not_name_the_other_organisation(partner: Client) -> None:
    ticket = TicketFactory(used=True)
    RedemptionFactory(ticket=ticket, organisation=OrganisationFactory(legal_name="Club voisin"))
    page = confirm_page(partner, ticket)
    assert "Ce ticket a déjà été utilisé." in page
    assert "voisin" not in page
    with assert_unchanged(ticket, counted=[Redemption]):
        assert partner.post(reverse("partner:entry_confirm")).status_code == 200
    assert Redemption.objects.count() == 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: TicketFactory(void=True), "annulé"),
        (lambda: TicketFactory(expired=True), "expiré"),
        (
            lambda: TicketFactory(
                wallet=WalletFactory(
                    school_year=SchoolYearFactory(
                        label="close",
                        starts_on=dt.date(2020, 9, 1),
                        ends_on=dt.date(2021, 8, 31),
                        generation_deadline=dt.date(2021, 5, 31),
                        redemption_deadline=dt.date(2021, 6, 30),
                    )
                )
            ),
            "close depuis le 30/06/2021",
        ),
        (lambda: TicketFactory(wallet=WalletFactory(domain="culture")), "ne peut pas servir"),
    ],
)
def test_refusals_show_their_reason_and_cannot_be_confirmed(
    partner: Client, make: Any, message: str
) -> None:
    ticket = make()
    assert message in confirm_page(partner, ticket)
    with assert_unchanged(ticket, counted=[Redemption]):
        response = partner.post(reverse("partner:entry_confirm"))
    assert message in main_text(response)


def test_a_suspended_organisation_cannot_enter_tickets(client: Client) -> None:
    organisation = OrganisationFactory(suspended=True)
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    ticket = TicketFactory()
    with assert_unchanged(ticket, counted=[Redemption]):
        response = look_up(client, ticket.number)
    assert "n'est pas affilié actuellement" in main_text(response)


def test_another_organisations_activity_cannot_be_chosen(partner: Client) -> None:
    ticket = TicketFactory()
    foreign = ActivityFactory(organisation=OrganisationFactory())
    confirm_page(partner, ticket)
    with assert_unchanged(ticket, counted=[Redemption]):
        response = partner.post(reverse("partner:entry_confirm"), {"activity": foreign.pk})
    assert "Choisissez l'une de vos activités" in main_text(response)


def test_the_confirmation_needs_a_fresh_lookup(partner: Client) -> None:
    response = partner.get(reverse("partner:entry_confirm"))
    assert response["Location"] == reverse("partner:entry")


def test_cancel_then_enter_again(partner: Client, organisation: Organisation) -> None:
    ticket = TicketFactory()
    confirm_page(partner, ticket)
    partner.post(reverse("partner:entry_confirm"))
    redemption = Redemption.objects.get()

    partner.post(reverse("partner:redemption_cancel", args=[redemption.pk]), {"confirm": "1"})

    assert db_row(redemption)["status"] == RedemptionStatus.CANCELLED
    assert db_row(ticket)["status"] == TicketStatus.AVAILABLE
    confirm_page(partner, ticket)
    partner.post(reverse("partner:entry_confirm"))
    assert Redemption.objects.live().get().pk != redemption.pk


@pytest.mark.parametrize("state", ["in_payment", "reimbursed"])
def test_an_entry_in_a_payment_run_or_paid_cannot_be_cancelled(
    partner: Client, organisation: Organisation, state: str
) -> None:
    redemption = RedemptionFactory(organisation=organisation, **{state: True})
    with assert_unchanged(redemption, redemption.ticket):
        response = partner.post(
            reverse("partner:redemption_cancel", args=[redemption.pk]),
            {"confirm": "1"},
            follow=True,
        )
    assert "tant qu'elle n'est pas entrée dans un remboursement" in main_text(response)


@pytest.mark.parametrize("name", ["partner:redemption", "partner:redemption_cancel"])
def test_another_organisations_entry_is_a_404(partner: Client, name: str) -> None:
    foreign = RedemptionFactory(organisation=OrganisationFactory())
    method = partner.post if name.endswith("cancel") else partner.get
    with assert_unchanged(foreign, foreign.ticket):
        assert method(reverse(name, args=[foreign.pk])).status_code == 404


def test_the_list_filters_by_state_and_date_with_totals(
    partner: Client, organisation: Organisation
) -> None:
    RedemptionFactory(organisation=organisation, amount_cents=2000)
    old = RedemptionFactory(organisation=organisation, amount_cents=1500, reimbursed=True)
    Redemption.objects.filter(pk=old.pk).update(entered_at=timezone.now() - dt.timedelta(days=40))
    RedemptionFactory(organisation=OrganisationFactory(), amount_cents=9900)

    page = parse_html(partner.get(reverse("partner:redemptions")))
    assert len(page.select("#liste-saisies ~ tbody tr, table:has(#liste-saisies) tbody tr")) == 2
    assert "99,00" not in text_of(page, "main")

    since = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    page = parse_html(partner.get(reverse("partner:redemptions"), {"start": since}))
    rows = page.select("table:has(#liste-saisies) tbody tr")
    assert len(rows) == 1 and "20,00" in rows[0].get_text()

    page = parse_html(partner.get(reverse("partner:redemptions"), {"status": "reimbursed"}))
    totals = {
        " ".join(row.th.get_text().split()): " ".join(row.select("td")[1].get_text().split())
        for row in page.select("table:has(#totaux-saisies) tbody tr")
    }
    assert totals["Remboursé"] == "15,00 €" and totals["Saisi"] == "0,00 €"


def test_entry_writes_one_audit_event(partner: Client) -> None:
    ticket = TicketFactory()
    confirm_page(partner, ticket)
    before = AuditEvent.objects.count()
    partner.post(reverse("partner:entry_confirm"))
    assert AuditEvent.objects.count() - before == 2  # the redemption and the ticket's move


# The check's time limit (WCAG 2.2.1, issue 22 §2) ----------------------------------------------


def test_the_confirmation_says_until_when_and_can_be_extended(
    partner: Client, organisation: Organisation
) -> None:
    ticket = TicketFactory()
    activity = ActivityFactory(organisation=organisation, name="Judo")
    with time_machine.travel(today_at(14, 0), tick=False) as clock:
        # Logged in at 14:00: a session opened hours later or earlier would have expired.
        partner.force_login(User.objects.get(organisation=organisation))
        look_up(partner, ticket.number)
        page = main_text(partner.get(reverse("partner:entry_confirm")))
        assert "valable 10 minutes, jusqu'à 14:10" in page

        clock.move_to(today_at(14, 8))
        with assert_unchanged(ticket, counted=[Redemption]):
            response = partner.post(reverse("partner:entry_extend"))
        assert response["Location"] == reverse("partner:entry_confirm")
        page = parse_html(partner.get(response["Location"]))
        assert "confirmez avant 14:18" in text_of(page, "#messages")
        assert "jusqu'à 14:18" in text_of(page, "#delai")

        clock.move_to(today_at(14, 17))  # past the first limit, within the extended one
        response = partner.post(reverse("partner:entry_confirm"), {"activity": activity.pk})
        assert response["Location"] == reverse(
            "partner:redemption", args=[Redemption.objects.get(ticket=ticket).pk]
        )


def test_an_expired_check_brings_back_the_typed_number_for_one_click(
    partner: Client, organisation: Organisation
) -> None:
    ticket = TicketFactory()
    activity = ActivityFactory(organisation=organisation, name="Judo")
    with time_machine.travel(today_at(14, 0), tick=False) as clock:
        # Logged in at 14:00: a session opened hours later or earlier would have expired.
        partner.force_login(User.objects.get(organisation=organisation))
        look_up(partner, ticket.number)
        clock.move_to(today_at(14, 11))

        with assert_unchanged(ticket, counted=[Redemption]):
            response = partner.post(reverse("partner:entry_confirm"), {"activity": activity.pk})
            extended = partner.post(reverse("partner:entry_extend"))
        assert response["Location"] == extended["Location"] == reverse("partner:entry")
        page = parse_html(partner.get(response["Location"]))
        assert "La vérification a expiré" in text_of(page, "#messages")
        number = page.select_one("#id_number")
        birth = page.select_one("#id_birth_date")
        assert number is not None and birth is not None
        assert number["value"] == ticket.number and birth["value"] == "2013-04-12"

        # The one click: the form as it came back, sent again.
        response = look_up(partner, str(number["value"]), str(birth["value"]))
        assert response["Location"] == reverse("partner:entry_confirm")
        assert "jusqu'à 14:21" in main_text(partner.get(response["Location"]))


def test_extending_without_a_looked_up_ticket_asks_for_one(partner: Client) -> None:
    response = partner.post(reverse("partner:entry_extend"))
    assert response["Location"] == reverse("partner:entry")
    assert partner.get(reverse("partner:entry_extend")).status_code == 405
