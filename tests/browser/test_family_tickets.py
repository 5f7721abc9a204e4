"""The family's ticket pages in headless Chromium: a parent logs in, sees the children's credit,
creates a ticket (a wrong amount first), downloads it, then cancels it through the confirmation
page; every page has zero axe-core violations and no horizontal scroll, on a desktop and on a
360 px phone. The amount is typed and submitted with the keyboard."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from passplus.tickets.models import Ticket, TicketStatus
from tests.helpers.browser import PageChecks, log_in
from tests.helpers.factories import RedemptionFactory, TicketFactory, WalletFactory

# See test_partner_journey.py for why the test is transactional.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def family() -> dict[str, Any]:
    """Two children with a credit each, a used and a void ticket (requested before `page`, so
    created before the browser starts)."""
    wallet = WalletFactory(
        granted_cents=10000,
        pupil__first_name="Léa",
        pupil__last_name="Martin-Dubois",
        pupil__college="Collège Évariste Galois",
    )
    WalletFactory(pupil__family=wallet.pupil.family, pupil__first_name="Noé")
    RedemptionFactory(
        ticket__wallet=wallet, ticket__amount_cents=2500, organisation__public_name="Judo Club"
    )
    TicketFactory(wallet=wallet, amount_cents=1000, void=True)
    return {"email": wallet.pupil.family.user.email, "wallet": wallet}


@pytest.mark.parametrize("width", [1280, 360])
def test_a_parent_creates_prints_and_cancels_a_ticket(
    live_server: Any, family: dict[str, Any], page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in(page, live_server.url, family["email"], landing="/espace-famille/")
    checks.check("accueil")
    expect(page.locator("main")).to_contain_text("Judo Club")

    page.get_by_role("link", name="Créer un ticket pour Léa").click()
    page.wait_for_url(re.compile(r"/espace-famille/enfants/\d+/nouveau-ticket/$"))
    checks.check("création")
    amount = page.get_by_label("Montant du ticket, en euros")
    amount.fill("dix euros")
    amount.press("Enter")
    expect(page.locator("#id_amount_error")).to_have_text(
        "Saisissez un montant en euros, par exemple 25 ou 12,50."
    )
    checks.check("création, montant refusé")
    page.get_by_label("Montant du ticket, en euros").fill("12,50")
    page.get_by_label("Montant du ticket, en euros").press("Enter")
    page.wait_for_url(f"{live_server.url}/espace-famille/")
    ticket = Ticket.objects.get(amount_cents=1250)
    expect(page.locator(".messages")).to_contain_text(ticket.display_number)
    checks.check("accueil après création")

    pdf_link = page.get_by_role(
        "link", name=re.compile(rf"^Imprimer le ticket {ticket.display_number} \(PDF, environ")
    )
    response = page.request.get(f"{live_server.url}{pdf_link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"

    # exact: the creation message links to the ticket too (« voir le ticket … », issue 33 §5).
    page.get_by_role("link", name=f"Voir le ticket {ticket.display_number}", exact=True).click()
    page.wait_for_url(re.compile(r"/espace-famille/tickets/\d+/$"))
    checks.check("ticket en HTML")  # its accessible version (issue 22 §11)
    page.go_back()

    page.get_by_role("link", name=f"Annuler le ticket {ticket.display_number}").click()
    page.wait_for_url(re.compile(r"/espace-famille/tickets/\d+/annuler/$"))
    checks.check("confirmation d'annulation")
    page.get_by_role("button", name="Confirmer l'annulation").click()
    page.wait_for_url(f"{live_server.url}/espace-famille/")
    checks.check("accueil après annulation")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.VOID

    checks.assert_clean()
