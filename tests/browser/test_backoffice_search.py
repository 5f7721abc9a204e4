"""The back office's search, record pages and audit log in headless Chromium: zero axe-core
violations and no horizontal scroll, on a desktop and on a phone; voiding a ticket by
keyboard from its page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from passplus.tickets.models import Ticket, TicketStatus
from tests.helpers.browser import PageChecks, log_in_staff
from tests.helpers.factories import (
    PASSWORD,
    FamilyFactory,
    RedemptionFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def records() -> dict[str, Any]:
    redemption = RedemptionFactory(organisation__public_name="Judo Club Durand")
    ticket = TicketFactory(wallet=redemption.ticket.wallet)
    FamilyFactory(parent_name="Nadia Durand", user__email="nadia.durand@example.fr")
    agent = UserFactory(gestionnaire=True)
    ticket.void(actor=agent, reason="Fraude")
    return {
        "email": UserFactory(gestionnaire=True).email,
        "ticket": ticket.pk,
        "used": redemption.ticket,
        "pupil": ticket.wallet.pupil_id,
        "family": ticket.wallet.pupil.family_id,
    }


@pytest.mark.parametrize("width", [360, 1280])
def test_search_records_and_log_are_accessible(
    live_server: Any, records: dict[str, Any], page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in_staff(page, live_server.url, records["email"], PASSWORD, lambda _: None)
    # The search box of the back office's home, by keyboard.
    box = page.get_by_label("Rechercher un organisme, un collégien")
    box.fill("durand")
    box.press("Enter")
    page.wait_for_url("**/gestion/recherche/?q=durand")
    expect(page.locator("main section").nth(2)).to_be_visible()  # three sections at least
    checks.check_axe_only()
    for path in [
        f"/gestion/tickets/{records['ticket']}/",
        f"/gestion/tickets/{records['used'].pk}/",
        f"/gestion/eleves/{records['pupil']}/",
        f"/gestion/familles/{records['family']}/",
        "/gestion/journal/",
        "/gestion/journal/?since=31/02/2026",
        "/gestion/recherche/?q=a",
    ]:
        page.goto(f"{live_server.url}{path}")
        checks.check(path)
    checks.assert_clean()


def test_a_ticket_is_voided_from_its_page_by_keyboard(
    live_server: Any, records: dict[str, Any], page: Any
) -> None:
    used: Ticket = records["used"]
    log_in_staff(page, live_server.url, records["email"], PASSWORD, lambda _: None)
    page.goto(f"{live_server.url}/gestion/tickets/{used.pk}/")
    page.get_by_label("Motif de l'annulation").fill("Élève parti du département")
    page.get_by_label("Je confirme l'annulation de ce ticket").press("Space")
    page.get_by_role("button", name="Annuler le ticket").press("Enter")
    expect(page.locator(".messages")).to_contain_text("son montant revient au crédit")
    used.refresh_from_db()
    assert used.status == TicketStatus.VOID
    expect(page.get_by_role("button", name="Rétablir le ticket")).to_have_count(1)
