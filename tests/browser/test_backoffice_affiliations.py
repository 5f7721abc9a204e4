"""The back office's affiliation pages in headless Chromium: a demo gestionnaire logs in, opens
the list of organisations, filters it and opens an organisation waiting for a bank check; every
page has zero axe-core violations and no horizontal scroll, on a desktop and on a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from passplus.demo.build import DEMO_DOMAIN, DEMO_PASSWORD
from passplus.organisations.models import Organisation
from tests.helpers.browser import PageChecks, log_in_staff

GESTIONNAIRE_EMAIL = f"gestionnaire@{DEMO_DOMAIN}"

# See test_partner_journey.py for why the test is transactional.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("width", [1280, 360])
def test_a_gestionnaire_reviews_an_affiliation_in_the_browser(
    live_server: Any, demo: None, page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in_staff(page, live_server.url, GESTIONNAIRE_EMAIL, DEMO_PASSWORD, checks.check)

    page.get_by_role("link", name="Organismes", exact=True).click()
    page.wait_for_url(f"{live_server.url}/gestion/organismes/")
    checks.check("liste")
    # Every demo organisation (those imported from the previous system too), one page.
    expect(page.locator("tbody tr")).to_have_count(Organisation.objects.count())

    page.get_by_label("Coordonnées bancaires à vérifier").check()
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r"/gestion/organismes/\?.*bank=on"))
    checks.check("liste filtrée")
    rows = page.locator("tbody tr")
    expect(rows.first).to_be_visible()
    rows.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/gestion/organismes/\d+/$"))
    checks.check("organisme")
    expect(page.get_by_role("heading", name=re.compile("À vérifier")).first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Valider")).first).to_be_visible()

    checks.assert_clean()
