"""The public information pages in headless Chromium: zero axe-core violations and no
horizontal scroll, on a desktop and on a 360 px phone; the FAQ opens by keyboard and without
JavaScript; the accessibility statement is reached from the footer by keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers import factories
from tests.helpers.browser import PageChecks

# See test_partner_journey.py for why the test is transactional.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PATHS = [
    "/",
    "/aide/",
    "/aide/familles/",
    "/aide/partenaires/",
    "/reglement/",
    "/mentions-legales/",
    "/confidentialite/",
    "/accessibilite/",
    "/plan-du-site/",
    "/aide/fiche-identification/",
]


@pytest.fixture
def content() -> None:
    """A split year (the longest texts), a current and an archived convention version, partners
    (created before the browser starts)."""
    factories.SchoolYearFactory(split=True)
    factories.ConventionVersionFactory(rules="Article 1.\n\nArticle 2.", body="Conditions.")
    factories.ConventionVersionFactory(label="2025-1", is_current=False)
    factories.OrganisationFactory.create_batch(2)


@pytest.mark.parametrize("width", [360, 1280])
def test_the_public_pages_are_accessible(
    live_server: Any, content: None, page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    for path in PATHS:
        page.goto(f"{live_server.url}{path}")
        # Axe checks only what is rendered: open every FAQ answer first.
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        checks.check(path)
    checks.assert_clean()


def test_a_faq_answer_opens_by_keyboard(live_server: Any, content: None, page: Any) -> None:
    page.goto(f"{live_server.url}/aide/partenaires/")
    question = page.locator("summary", has_text="Comment changer de coordonnées bancaires")
    answer = page.get_by_text("Le représentant légal de l'organisme confirme")
    expect(answer).to_be_hidden()
    question.focus()
    page.keyboard.press("Enter")
    expect(answer).to_be_visible()


def test_a_faq_answer_opens_without_javascript(
    live_server: Any, content: None, plain_page: Any
) -> None:
    plain_page.set_viewport_size({"width": 360, "height": 800})
    plain_page.goto(f"{live_server.url}/aide/familles/")
    answer = plain_page.get_by_text("Vous pouvez montrer le ticket (le PDF) sur votre téléphone")
    expect(answer).to_be_hidden()
    plain_page.locator("summary", has_text="Je n'ai pas d'imprimante").click()
    expect(answer).to_be_visible()


def test_the_accessibility_statement_is_reached_from_the_footer_by_keyboard(
    live_server: Any, content: None, page: Any
) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/")
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.textContent.trim()")
        if focused.startswith("Accessibilité : "):  # the computed level and rate
            break
    else:
        pytest.fail("the footer's accessibility link never receives the focus")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/accessibilite/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclaration d'accessibilité")


@pytest.mark.parametrize("width", [360, 1280])
def test_the_heading_keeps_its_distance_from_the_header_bar_without_a_message(
    live_server: Any, content: None, page: Any, width: int
) -> None:
    """Issue 18: `.container`'s zero padding overrode `main`'s, so with no message above it the
    `<h1>` touched the header bar."""
    page.set_viewport_size({"width": width, "height": 800})
    for path in ["/", "/aide/", "/annuaire/"]:
        page.goto(f"{live_server.url}{path}")
        header = page.locator("header").first.bounding_box()
        heading = page.locator("h1").first.bounding_box()
        assert header is not None and heading is not None
        assert heading["y"] - (header["y"] + header["height"]) >= 16, path
