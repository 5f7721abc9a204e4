"""The public information pages in headless Chromium: zero axe-core violations and no
horizontal scroll, on a desktop and on a 360 px phone; the FAQ opens by keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.browser.test_partner_journey import horizontal_overflow, watch_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
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
]


@pytest.fixture
def content() -> None:
    factories.SchoolYearFactory(split=True)
    factories.ConventionVersionFactory(rules="Article 1.\n\nArticle 2.", body="Conditions.")
    factories.OrganisationFactory.create_batch(2)


@pytest.mark.parametrize("width", [360, 1280])
def test_the_public_pages_are_accessible(
    live_server: Any, content: None, page: Any, axe_violations: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    errors = watch_errors(page)
    reports: list[str] = []
    for path in PATHS:
        page.goto(f"{live_server.url}{path}")
        reports.append(axe_violations())
        if overflow := horizontal_overflow(page):
            reports.append(f"{path}: horizontal scroll of {overflow} px at {width} px")
    report = "\n".join(filter(None, reports))
    assert not report, report
    assert errors == []


def test_a_faq_answer_opens_by_keyboard(live_server: Any, content: None, page: Any) -> None:
    page.goto(f"{live_server.url}/aide/partenaires/")
    question = page.locator("summary", has_text="Comment changer de coordonnées bancaires")
    answer = page.get_by_text("Le représentant légal de l'organisme confirme")
    assert not answer.is_visible()
    question.focus()
    page.keyboard.press("Enter")
    assert answer.is_visible()
