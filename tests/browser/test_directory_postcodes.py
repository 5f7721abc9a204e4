"""Issue 33 §5 on a 360 px phone (and a desktop): a parent types a postcode in the directory's
search box and finds the partners of that commune; a commune without partners suggests the
nearest communes that have some, as links that keep the search. Zero axe-core violations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers import factories
from tests.helpers.browser import PageChecks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def partners() -> None:
    factories.OrganisationFactory(public_name="Judo Club", commune=factories.commune("92050"))
    factories.OrganisationFactory(
        public_name="Club de voile", commune=factories.commune("92063"), postcode="92000"
    )
    factories.OrganisationFactory(
        public_name="Escrime de Clamart", commune=factories.commune("92023")
    )


@pytest.mark.parametrize("width", [360, 1280])
def test_a_parent_searches_by_postcode_and_follows_a_nearby_commune(
    live_server: Any, partners: None, page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    page.goto(f"{live_server.url}/annuaire/")
    search = page.get_by_label("Nom, activité ou mot-clé")
    search.fill("92000")
    search.press("Enter")
    page.wait_for_url(re.compile(r"q=92000"))
    expect(page.locator(".cards h2")).to_have_text(["Club de voile", "Judo Club"])
    checks.check("annuaire, code postal")

    page.goto(f"{live_server.url}/annuaire/?commune=92040")  # Issy-les-Moulineaux: none
    empty = page.locator(".directory-empty")
    expect(empty).to_contain_text("Communes proches avec des partenaires")
    checks.check("annuaire, commune sans partenaire")
    empty.get_by_role("link", name="Clamart").click()
    page.wait_for_url(re.compile(r"commune=92023"))
    expect(page.locator(".cards h2")).to_have_text(["Escrime de Clamart"])
    checks.check("annuaire, commune proche")

    checks.assert_clean()
