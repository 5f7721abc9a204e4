"""Back office: one search box with typed results, and the pages it leads to (ticket, pupil,
family) with the ticket's void / restore forms — and who may use them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.audit.models import AuditEvent
from passplus.tickets.models import RedemptionStatus, TicketStatus
from passplus.tickets.numbers import format_ticket_number
from tests.helpers.backoffice import CONFIRMED
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.factories import (
    FamilyFactory,
    OrganisationFactory,
    PaymentFactory,
    PupilFactory,
    RedemptionFactory,
    TicketFactory,
    UserFactory,
)
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

SEARCH = reverse("backoffice:search")


def login(client: Client, **role: Any) -> Any:
    user = UserFactory(**role)
    client.force_login(user)
    return user


def results(client: Client, query: str) -> dict[str, list[str]]:
    """{group title: [hit titles]} of the search page for `query`."""
    page = parse_html(client.get(SEARCH, {"q": query}))
    groups = {}
    for section in page.select("main section"):
        title = text_of(section, "h2").rsplit(" (", 1)[0]
        groups[title] = [" ".join(a.get_text().split()) for a in section.select("li > a")]
    return groups


def test_a_ticket_is_found_by_its_number_with_or_without_spaces(client: Client) -> None:
    ticket = TicketFactory()
    TicketFactory()  # another ticket, not found
    login(client, gestionnaire=True)
    printed = format_ticket_number(ticket.number)

    for query in (ticket.number, printed, printed.replace(" ", "-"), ticket.number[:8]):
        found = results(client, query)
        assert found.get("Tickets") == [printed], query


def test_a_mistyped_ticket_number_is_said_so(client: Client) -> None:
    ticket = TicketFactory()
    login(client, gestionnaire=True)
    wrong = ticket.number[:-1] + str((int(ticket.number[-1]) + 1) % 10)

    page = text_of(parse_html(client.get(SEARCH, {"q": wrong})), "main")

    assert "Ce numéro de ticket n'est pas valide" in page
    assert "Aucun résultat" in page


def test_typed_results_for_each_kind_of_record(client: Client) -> None:
    organisation = OrganisationFactory(legal_name="Judo Club Martin", siret="73282932000074")
    pupil = PupilFactory(first_name="Hugo", last_name="Martin", birth_date=dt.date(2012, 9, 3))
    family = FamilyFactory(parent_name="Nadia Martin", user__email="nadia.martin@example.fr")
    other = PupilFactory(first_name="Inès", last_name="Bernard")
    login(client, gestionnaire=True)

    found = results(client, "martin")

    assert found["Organismes"] == ["Judo Club Martin"]
    assert found["Collégiens"] == ["Hugo Martin"]
    assert found["Familles"] == ["Nadia Martin"]
    assert "Tickets" not in found and "Virements" not in found
    assert results(client, "73282932 000074")["Organismes"] == ["Judo Club Martin"]
    assert results(client, "03/09/2012")["Collégiens"] == ["Hugo Martin"]
    assert results(client, "hugo MART")["Collégiens"] == ["Hugo Martin"]
    assert results(client, "nadia.martin@")["Familles"] == ["Nadia Martin"]
    assert str(other) not in str(results(client, "martin"))
    links = parse_html(client.get(SEARCH, {"q": "martin"}))
    hrefs = {a["href"] for a in links.select("main section li > a")}
    assert {
        reverse("backoffice:organisation", args=[organisation.pk]),
        reverse("backoffice:pupil", args=[pupil.pk]),
        reverse("backoffice:family", args=[family.pk]),
    } <= hrefs


def test_a_payment_is_found_by_its_transfer_reference(client: Client) -> None:
    payment = PaymentFactory(end_to_end_id="PASSPLUS-202609160000-00000042")
    PaymentFactory(end_to_end_id="PASSPLUS-202609160000-00000043")
    login(client, finance=True)

    found = results(client, "00000042")

    assert found["Virements"] == ["PASSPLUS-202609160000-00000042"]
    page = parse_html(client.get(SEARCH, {"q": "00000042"}))
    assert page.select_one("main section li > a")["href"] == reverse(
        "backoffice:payment_run", args=[payment.run_id]
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [("a", "au moins 2 caractères"), ("x" * 201, "trop longue"), ("   ", "Saisissez ce que")],
)
def test_bad_queries_get_a_french_message(client: Client, query: str, message: str) -> None:
    login(client, gestionnaire=True)
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert message in text_of(parse_html(response), "main")


def test_many_results_are_capped_and_counted(client: Client) -> None:
    PupilFactory.create_batch(23, last_name="Nombreux")
    login(client, gestionnaire=True)
    page = parse_html(client.get(SEARCH, {"q": "nombreux"}))
    assert text_of(page, "main section h2") == "Collégiens (23)"
    assert len(page.select("main section li")) == 20
    assert "Les 20 premiers sont affichés" in text_of(page, "main section")


def test_search_and_record_pages_are_for_staff_only(client: Client) -> None:
    ticket = TicketFactory()
    pupil = ticket.wallet.pupil
    urls = [
        f"{SEARCH}?q=durand",
        reverse("backoffice:ticket", args=[ticket.pk]),
        reverse("backoffice:pupil", args=[pupil.pk]),
        reverse("backoffice:family", args=[pupil.family_id]),
        reverse("backoffice:audit_log"),
    ]
    for role in ({"organisation_member": True}, {"correspondent": True}, {}):
        login(client, **role)
        assert [client.get(url).status_code for url in urls] == [403] * 5, role
    client.logout()
    assert [client.get(url).status_code for url in urls] == [302] * 5
    login(client, finance=True)
    assert [client.get(url).status_code for url in urls] == [200] * 5


def test_unknown_record_ids_give_404(client: Client) -> None:
    login(client, gestionnaire=True)
    for name in ("ticket", "pupil", "family"):
        assert client.get(reverse(f"backoffice:{name}", args=[999999])).status_code == 404


def test_the_ticket_page_shows_its_pupil_entries_and_history(client: Client) -> None:
    redemption = RedemptionFactory(
        organisation__public_name="Les Arts du Cirque", ticket__amount_cents=3500
    )
    ticket = redemption.ticket
    login(client, gestionnaire=True)

    page = parse_html(client.get(reverse("backoffice:ticket", args=[ticket.pk])))

    main = text_of(page, "main")
    assert format_ticket_number(ticket.number) in text_of(page, "h1")
    assert "35,00 €" in main and str(ticket.wallet.pupil) in main
    entries = page.select_one("#saisies").find_parent("table")
    assert "Les Arts du Cirque" in entries.get_text() and "Saisi" in entries.get_text()
    assert "Aucun événement" in main  # factories write no audit events
    assert page.select_one(f"form[action='{reverse('backoffice:ticket_void', args=[ticket.pk])}']")
    assert "saisie de Les Arts du Cirque sera annulée" in main


def test_voiding_from_the_ticket_page_then_restoring(client: Client) -> None:
    ticket = TicketFactory(amount_cents=2500)
    agent = login(client, gestionnaire=True)
    page_url = reverse("backoffice:ticket", args=[ticket.pk])

    response = client.post(
        reverse("backoffice:ticket_void", args=[ticket.pk]),
        {"reason": "Élève parti", **CONFIRMED},
        follow=True,
    )

    ticket.refresh_from_db()
    assert response.redirect_chain[-1][0] == page_url
    assert ticket.status == TicketStatus.VOID and ticket.status_reason == "Élève parti"
    page = parse_html(response)
    assert "annulé : son montant revient au crédit" in text_of(page, ".messages")
    assert "Élève parti" in page.select_one("#journal").find_parent("table").get_text()
    restore = reverse("backoffice:ticket_restore", args=[ticket.pk])
    assert page.select_one(f"form[action='{restore}']")

    client.post(restore, {"reason": "Erreur de saisie"})

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.AVAILABLE
    assert [action for action, actor in audit_trail(ticket) if actor == agent.pk] == [
        "ticket.void",
        "ticket.restore",
    ]


def test_voiding_without_a_reason_changes_nothing(client: Client) -> None:
    ticket = TicketFactory()
    login(client, gestionnaire=True)
    with assert_unchanged(ticket):
        response = client.post(
            reverse("backoffice:ticket_void", args=[ticket.pk]), {"reason": ""}, follow=True
        )
    assert "indiquez le motif" in text_of(parse_html(response), ".messages")


def test_a_ticket_in_a_payment_run_shows_no_void_form(client: Client) -> None:
    redemption = RedemptionFactory(in_payment=True)
    ticket = redemption.ticket
    login(client, gestionnaire=True)

    page = parse_html(client.get(reverse("backoffice:ticket", args=[ticket.pk])))

    assert not page.select("form[action*='annuler']")
    assert "dans une campagne de remboursement" in text_of(page, "main")
    with assert_unchanged(ticket, redemption):
        response = client.post(
            reverse("backoffice:ticket_void", args=[ticket.pk]),
            {"reason": "Fraude", **CONFIRMED},
            follow=True,
        )
    assert "campagne de remboursement" in text_of(parse_html(response), ".messages")
    assert redemption.status == RedemptionStatus.IN_PAYMENT


@pytest.mark.parametrize("state", ["void", "expired"])
def test_a_void_or_expired_ticket_shows_no_void_form(client: Client, state: str) -> None:
    ticket = TicketFactory(**{state: True})
    login(client, gestionnaire=True)
    page = parse_html(client.get(reverse("backoffice:ticket", args=[ticket.pk])))
    assert not page.select(f"form[action='{reverse('backoffice:ticket_void', args=[ticket.pk])}']")


def test_finance_sees_the_ticket_page_without_actions(client: Client) -> None:
    ticket = TicketFactory()
    login(client, finance=True)
    page = parse_html(client.get(reverse("backoffice:ticket", args=[ticket.pk])))
    assert not page.select("main form")


def test_the_pupil_page_shows_wallet_balance_and_tickets(client: Client) -> None:
    ticket = TicketFactory(amount_cents=3000, wallet__granted_cents=8000)
    TicketFactory(amount_cents=1000, wallet=ticket.wallet, void=True)
    pupil = ticket.wallet.pupil
    login(client, gestionnaire=True)

    page = parse_html(client.get(reverse("backoffice:pupil", args=[pupil.pk])))

    main = text_of(page, "main")
    assert "Accordé : 80,00 € — engagé : 30,00 € — restant : 50,00 €" in main
    numbers = [a.get_text() for a in page.select("main table a")]
    assert format_ticket_number(ticket.number) in numbers and len(numbers) == 2
    assert pupil.birth_date.strftime("%d/%m/%Y") in main


def test_the_family_page_lists_its_pupils(client: Client) -> None:
    pupil = PupilFactory(first_name="Zoé")
    PupilFactory(first_name="Yanis")  # another family
    login(client, gestionnaire=True)

    page = parse_html(client.get(reverse("backoffice:family", args=[pupil.family_id])))

    names = [a.get_text() for a in page.select("main ul a")]
    assert names == [str(pupil)]


def test_object_history_links_to_the_objects(client: Client) -> None:
    ticket = TicketFactory()
    agent = UserFactory(gestionnaire=True)
    ticket.void(actor=agent, reason="Fraude")
    login(client, gestionnaire=True)

    page = parse_html(client.get(reverse("backoffice:ticket", args=[ticket.pk])))

    row = page.select_one("#journal").find_parent("table").select_one("tbody tr")
    cells = [" ".join(td.get_text().split()) for td in row.select("td")]
    assert cells[1] == agent.email and cells[2] == "Ticket annulé"
    assert cells[4] == "Disponible → Annulé" and cells[5] == "Fraude"
    assert row.select_one("a")["href"] == reverse("backoffice:ticket", args=[ticket.pk])
    assert AuditEvent.objects.for_object(ticket).count() == 1
