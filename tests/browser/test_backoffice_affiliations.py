"""The back office's affiliation pages in headless Chromium: a demo gestionnaire logs in, opens
the list of organisations, filters it and opens an organisation waiting for a bank check; every
page has zero axe-core violations and no horizontal scroll, on a desktop and on a phone."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from passplus.core.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.browser.staff import log_in_staff
from tests.browser.test_partner_journey import horizontal_overflow, watch_errors

GESTIONNAIRE_EMAIL = f"gestionnaire@{DEMO_DOMAIN}"

# See test_partner_journey.py for why the test is transactional with a serialized rollback.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def demo() -> None:
    """The demo data set (requested before `page`, so created before the browser starts)."""
    call_command("demo", stdout=StringIO())


@pytest.mark.parametrize("width", [1280, 360])
def test_a_gestionnaire_reviews_an_affiliation_in_the_browser(
    live_server: Any, demo: None, page: Any, axe_violations: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    errors = watch_errors(page)
    reports: list[str] = []

    def check(label: str) -> None:
        reports.append(axe_violations())
        if overflow := horizontal_overflow(page):
            reports.append(f"{label}: horizontal scroll of {overflow} px at {width} px")

    log_in_staff(page, live_server.url, GESTIONNAIRE_EMAIL, DEMO_PASSWORD, check)

    page.get_by_role("link", name="Organismes", exact=True).click()
    page.wait_for_url(f"{live_server.url}/gestion/organismes/")
    check("liste")
    assert page.locator("tbody tr").count() == 30  # every demo organisation, one page

    page.get_by_label("Coordonnées bancaires à vérifier").check()
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r"/gestion/organismes/\?.*bank=on"))
    check("liste filtrée")
    rows = page.locator("tbody tr")
    assert rows.count() >= 1
    rows.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/gestion/organismes/\d+/$"))
    check("organisme")
    assert page.get_by_role("heading", name=re.compile("À vérifier")).count() >= 1
    assert page.get_by_role("button", name=re.compile("^Valider")).count() >= 1

    report = "\n".join(filter(None, reports))
    assert not report, report
    assert errors == []
