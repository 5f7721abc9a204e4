"""The dashboards in headless Chromium: zero axe-core violations (charts, their data tables
opened, the year selector) and no horizontal scroll, on a 360 px phone and on a desktop."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import PageChecks, log_in, log_in_staff
from tests.helpers.factories import (
    PASSWORD,
    OrganisationFactory,
    RedemptionFactory,
    SchoolYearFactory,
    UserFactory,
    WalletFactory,
    commune,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def dashboard_data() -> dict[str, str]:
    """Entries in two communes over several weeks, two collèges, a staff user and the
    correspondent of Nanterre (created before the browser starts)."""
    SchoolYearFactory()
    nanterre = commune("92050")
    partners = [
        OrganisationFactory(commune=nanterre, public_name="Judo de Nanterre"),
        OrganisationFactory(
            commune=commune("92002"), public_name="Conservatoire d'Antony", culture=True
        ),
    ]
    start = dt.datetime(2025, 9, 8, 10, tzinfo=PARIS)
    for index in range(8):
        RedemptionFactory(
            organisation=partners[index % 2],
            ticket__wallet=WalletFactory(
                pupil__college=["Collège Paul Éluard", "Collège Jean-Baptiste de La Salle"][
                    index % 2
                ]
            ),
            ticket__amount_cents=1500 + 250 * index,
            entered_at=start + dt.timedelta(days=5 * index),
        )
    correspondent = UserFactory(correspondent=True)
    correspondent.communes.add(nanterre)
    return {
        "staff": UserFactory(gestionnaire=True).email,
        "correspondent": correspondent.email,
    }


@pytest.mark.parametrize("width", [360, 1280])
def test_the_back_office_dashboard_is_accessible(
    live_server: Any, dashboard_data: dict[str, str], page: Any, axe_violations: Any, width: int
) -> None:
    # Each check: the page as it loads, then again with every data table opened.
    checks = PageChecks(page, axe_violations, width, open_chart_data=True)
    log_in_staff(page, live_server.url, dashboard_data["staff"], PASSWORD, lambda _label: None)

    expect(page.locator("svg.chart-svg")).to_have_count(4)
    checks.check("/gestion/")
    # The year selector works without JavaScript: a plain GET form.
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(f"{live_server.url}/gestion/?campagne=*")
    checks.check_axe_only()
    checks.assert_clean()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_correspondent_dashboard_is_accessible(
    live_server: Any, dashboard_data: dict[str, str], page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width, open_chart_data=True)
    log_in(page, live_server.url, dashboard_data["correspondent"], landing="/espace-correspondant/")

    expect(page.locator("svg.chart-svg")).to_have_count(3)
    expect(page.locator("main")).not_to_contain_text("Antony")
    checks.check("/espace-correspondant/")
    # The address the directory publishes, by keyboard only.
    page.get_by_role("link", name="Modifier mon contact public").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/espace-correspondant/contact-public/")
    checks.check("/espace-correspondant/contact-public/")
    page.get_by_label("Adresse de contact publique").fill("pass@mairie.example.fr")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/espace-correspondant/")
    expect(page.locator("main")).to_contain_text("Adresse publiée : pass@mairie.example.fr")
    checks.assert_clean()
