"""RGAA 10.9 / 10.10: in the directory and on an organisation's public page, the domains (Sport,
Culture) are badges, which only their shape sets apart from the commune or the sentence beside
them. Words hidden on screen say it to screen readers: what Chromium exposes reads
"Nanterre — domaines : Sport et Culture", not "Nanterre SportCulture"."""

from __future__ import annotations

from typing import Any

import pytest

from passplus.organisations.models import Organisation
from tests.helpers import factories
from tests.helpers.browser import PageChecks

# See test_partner_journey.py for why the test is transactional.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def partners() -> Organisation:
    """A club offering both domains, and a theatre offering culture only (created before the
    browser starts). Returns the club."""
    nanterre = factories.commune("92050")
    factories.OrganisationFactory(
        public_name="Théâtre de Nanterre", culture=True, commune=nanterre, city="Nanterre"
    )
    return factories.OrganisationFactory(
        public_name="Club omnisport de Nanterre",
        offers_sport=True,
        offers_culture=True,
        commune=nanterre,
        city="Nanterre",
    )


def test_the_domain_badges_are_named_for_screen_readers(
    live_server: Any, partners: Organisation, page: Any, axe_violations: Any
) -> None:
    checks = PageChecks(page, axe_violations, 360)
    page.goto(f"{live_server.url}/annuaire/")
    places = page.locator(".directory-place")
    assert sorted(place.aria_snapshot() for place in places.all()) == [
        '- paragraph: "Nanterre — domaine : Culture"',
        '- paragraph: "Nanterre — domaines : Sport et Culture"',
    ]
    checks.check("annuaire")

    page.goto(f"{live_server.url}/annuaire/{partners.pk}/")
    sentence = page.locator("h1 + p").aria_snapshot()
    assert sentence.startswith('- paragraph: "Domaines : Sport et Culture — Partenaire ')
    checks.check("fiche")
    checks.assert_clean()
