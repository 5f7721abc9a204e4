"""The public directory in headless Chromium: zero axe-core violations and no horizontal scroll
on the directory and on an organisation page, on a desktop and on a 360 px phone; the filters
work without JavaScript (plain GET form) and, with JavaScript under the site's real
Content-Security-Policy, update the results, the live count and the URL as one types."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from passplus.core.enums import Domain
from passplus.organisations.models import Organisation
from tests.helpers import factories
from tests.helpers.browser import PageChecks, watch_errors

# See test_partner_journey.py for why the test is transactional.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def partners() -> Organisation:
    """A few listed partners, one hidden, a correspondent (created before the browser starts).
    Returns the theatre, whose page the tests visit."""
    antony, nanterre = factories.commune("92002"), factories.commune("92050")
    theatre = factories.OrganisationFactory(
        public_name="Théâtre des Tréteaux d'Antony",
        culture=True,
        commune=antony,
        street="12 rue Mounié",
        postcode="92160",
        city="Antony",
        public_contact_name="Accueil du théâtre",
        public_phone="+33146000000",
        public_email="accueil@treteaux.example.fr",
        website="https://treteaux.example.fr/",
        description="Ateliers de théâtre pour les collégiens, le mercredi après-midi.",
    )
    factories.ActivityFactory(
        organisation=theatre,
        name="Atelier théâtre",
        domain=Domain.CULTURE,
        activity_type="théâtre",
        place="Petite salle",
        min_age=11,
        max_age=15,
    )
    for number in range(3):
        factories.ActivityFactory(
            organisation=factories.OrganisationFactory(
                public_name=f"Football Club de Nanterre {number + 1}", commune=nanterre
            ),
            name="Football",
        )
    factories.OrganisationFactory(public_name="Théâtre suspendu", suspended=True, culture=True)
    factories.UserFactory(
        correspondent=True, first_name="Alix", last_name="Martin", communes=[antony]
    )
    return theatre


def results(page: Any) -> Any:
    """The names of the organisations found (one heading per card)."""
    return page.locator(".cards h2")


@pytest.mark.parametrize("width", [1280, 360])
def test_the_directory_and_an_organisation_page_are_accessible(
    live_server: Any, partners: Organisation, page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    page.goto(f"{live_server.url}/annuaire/")
    checks.check("annuaire")
    expect(results(page)).to_have_count(4)
    page.get_by_text("Les correspondants, commune par commune").click()
    checks.check("annuaire, correspondants ouverts")

    page.goto(f"{live_server.url}/annuaire/?age=abc&commune=92002")
    checks.check("annuaire, critère refusé")
    expect(page.locator("#id_age_error")).to_contain_text("Indiquez un âge en chiffres")

    page.goto(f"{live_server.url}/annuaire/{partners.pk}/")
    checks.check("fiche")
    expect(page.locator("h1")).to_have_text("Théâtre des Tréteaux d'Antony")
    expect(page.get_by_role("link", name="01 46 00 00 00")).to_have_attribute(
        "href", "tel:+33146000000"
    )
    page.get_by_role("link", name="Les autres partenaires à Antony").click()
    page.wait_for_url(f"{live_server.url}/annuaire/?commune=92002")
    expect(results(page)).to_have_text(["Théâtre des Tréteaux d'Antony"])
    expect(page.locator(".directory-help")).to_contain_text("Alix Martin")

    checks.assert_clean()


def test_the_filters_work_without_javascript(
    live_server: Any, partners: Organisation, plain_page: Any
) -> None:
    page = plain_page
    page.goto(f"{live_server.url}/annuaire/")
    page.get_by_label("Nom, activité ou mot-clé").fill("THEATRE")
    page.get_by_label("Culture", exact=True).check()
    page.get_by_label("Âge de l'enfant").fill("12")
    page.get_by_label("Âge de l'enfant").press("Enter")
    page.wait_for_url(re.compile(r"q=THEATRE"))
    expect(page).to_have_url(re.compile(r"domain=culture"))
    expect(page).to_have_url(re.compile(r"age=12"))
    expect(results(page)).to_have_text(["Théâtre des Tréteaux d'Antony"])
    expect(page.locator("#nombre-resultats")).to_have_text("1 organisme trouvé")

    page.get_by_label("Commune").select_option(label="Nanterre")
    page.get_by_label("Nom, activité ou mot-clé").fill("")
    page.get_by_label("Tous les domaines").check()
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r"commune=92050"))
    expect(results(page)).to_have_text([f"Football Club de Nanterre {n}" for n in (1, 2, 3)])


def test_with_javascript_the_results_follow_the_filters(
    live_server: Any, partners: Organisation, strict_page: Any
) -> None:
    page = strict_page
    errors = watch_errors(page)
    page.goto(f"{live_server.url}/annuaire/")
    expect(results(page)).to_have_count(4)
    page.get_by_label("Nom, activité ou mot-clé").press_sequentially("theatre", delay=20)
    expect(results(page)).to_have_text(["Théâtre des Tréteaux d'Antony"])
    expect(page.locator("[data-directory-count]")).to_have_text("1 organisme trouvé")
    expect(page).to_have_url(f"{live_server.url}/annuaire/?q=theatre")

    page.get_by_label("Commune").select_option(label="Nanterre")
    expect(results(page)).to_have_count(0)
    expect(page.locator("[data-directory-count]")).to_have_text("Aucun organisme trouvé")
    expect(page).to_have_url(re.compile(r"commune=92050"))
    assert errors == []


def test_on_a_phone_the_filters_fold_behind_filtrer_and_the_results_come_first(
    live_server: Any, partners: Organisation, plain_page: Any
) -> None:
    """Issue 18: at 360 px the first result started ~950 px down, below five filters. Without
    JavaScript: the text field stays in view, the rest opens with "Filtrer" (a <details>)."""
    page = plain_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/annuaire/")
    expect(page.get_by_label("Nom, activité ou mot-clé")).to_be_visible()
    expect(page.get_by_label("Commune")).to_be_hidden()
    first = page.locator(".cards h2").first.bounding_box()
    assert first is not None and first["y"] < 740, "the first result is on the first screen"

    page.get_by_text("Filtrer", exact=True).focus()
    page.keyboard.press("Enter")
    page.get_by_label("Commune").select_option(label="Nanterre")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r"commune=92050"))
    expect(page.get_by_label("Commune")).to_be_visible()  # a filter in use keeps them open
    expect(results(page)).to_have_count(3)

    # A wide screen shows every filter and no "Filtrer".
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/annuaire/")
    expect(page.get_by_label("Commune")).to_be_visible()
    expect(page.get_by_text("Filtrer", exact=True)).to_be_hidden()
