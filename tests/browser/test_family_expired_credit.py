"""The family's home once a school year's deadlines are past (issue 17 §1), in headless
Chromium: the lost credit and the expired ticket are said in words, with zero axe-core
violations and no horizontal scroll, on a desktop and on a 360 px phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from passplus.tickets.expiry import tickets_expire_past_deadlines
from tests.helpers.browser import PageChecks, log_in
from tests.helpers.factories import SchoolYearFactory, TicketFactory, WalletFactory

# See test_partner_journey.py for why the test is transactional.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def family() -> str:
    """A year still current but past both deadlines; 20 € used, 20 € expired, 40 € lost."""
    today = timezone.localdate()
    year = SchoolYearFactory(
        label="campagne-close",
        starts_on=today - dt.timedelta(days=300),
        ends_on=today + dt.timedelta(days=30),
        generation_deadline=today - dt.timedelta(days=40),
        redemption_deadline=today - dt.timedelta(days=10),
    )
    wallet = WalletFactory(school_year=year, granted_cents=8000, pupil__first_name="Léa")
    TicketFactory(wallet=wallet, amount_cents=2000, used=True)
    TicketFactory(wallet=wallet, amount_cents=2000)
    tickets_expire_past_deadlines(today=today)
    return str(wallet.pupil.family.user.email)


@pytest.mark.parametrize("width", [1280, 360])
def test_the_family_sees_its_lost_credit_and_expired_ticket(
    live_server: Any, family: str, page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in(page, live_server.url, family, landing="/espace-famille/")
    checks.check("accueil")

    main = page.locator("main")  # expect() reads every run of spaces (no-break ones too) as one
    expect(main).to_contain_text("Crédit non utilisé : 40,00 €, perdu depuis le")
    expect(main).to_contain_text("1 ticket expiré sans avoir été utilisé, montant perdu : 20,00 €.")
    expect(main).to_contain_text("Expiré")
    expect(main).not_to_contain_text("Imprimer")
    expect(page.get_by_role("link", name="Créer un ticket pour Léa")).to_have_count(0)
    checks.assert_clean()
