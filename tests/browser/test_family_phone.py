"""Issue 33 §5 on a 360 px phone: the family home says what « restants » means and shows the
unused tickets apart, the creation message links to the new ticket, and the ticket page's QR
code is large enough for another phone's camera to read from this screen.

The QR threshold: at least 6 CSS px per module at 360 px. A phone screen has 2 to 3 device
pixels per CSS px, so a module is 12 to 18 device pixels, about 1 mm on the glass: phone cameras
read that at 15 to 30 cm. The module size is the rendered image's width divided by the modules
it draws (the QR version's 21 + 4 × (version − 1), plus the 4-module quiet zone on each side)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from passplus.tickets.documents import QR_BORDER, ticket_qr
from passplus.tickets.models import Ticket
from tests.helpers.browser import PageChecks, log_in
from tests.helpers.factories import TicketFactory, WalletFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN_CSS_PX_PER_MODULE = 6


@pytest.fixture
def family() -> dict[str, Any]:
    wallet = WalletFactory(granted_cents=8000, pupil__first_name="Léa")
    TicketFactory(wallet=wallet, amount_cents=2000)
    TicketFactory(wallet=wallet, amount_cents=1000, void=True)
    return {"email": wallet.pupil.family.user.email, "wallet": wallet}


@pytest.mark.parametrize("width", [360, 1280])
def test_a_parent_reads_the_credit_and_shows_a_scannable_ticket(
    live_server: Any, family: dict[str, Any], page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in(page, live_server.url, family["email"], landing="/espace-famille/")
    main = page.locator("main")
    expect(main).to_contain_text("60,00 € restants (crédit pas encore transformé en tickets)")
    expect(main).to_contain_text("Tickets créés, pas encore utilisés : 1 ticket, 20,00 €")
    checks.check("accueil")

    page.get_by_role("link", name="Créer un ticket pour Léa").click()
    page.wait_for_url(re.compile(r"/nouveau-ticket/$"))
    expect(page.get_by_role("radio")).to_have_count(0)  # one credit: nothing to choose
    checks.check("création")
    page.get_by_label("Montant du ticket, en euros").fill("15")
    page.get_by_label("Montant du ticket, en euros").press("Enter")
    page.wait_for_url(f"{live_server.url}/espace-famille/")
    ticket = Ticket.objects.get(amount_cents=1500)
    checks.check("accueil après création")

    page.locator(".messages").get_by_role(
        "link", name=f"voir le ticket {ticket.display_number}"
    ).click()
    page.wait_for_url(re.compile(rf"/espace-famille/tickets/{ticket.pk}/$"))
    qr = page.get_by_role("img", name=re.compile("^QR code du numéro"))
    expect(qr).to_be_visible()
    checks.check("ticket")
    box = qr.bounding_box()
    assert box is not None
    version = ticket_qr(ticket.number).version
    assert isinstance(version, int)
    modules = 17 + 4 * version + 2 * QR_BORDER
    per_module = min(box["width"], box["height"]) / modules
    assert per_module >= MIN_CSS_PX_PER_MODULE, f"{per_module:.1f} CSS px a module"

    checks.assert_clean()
