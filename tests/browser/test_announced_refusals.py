"""What axe-core cannot see (issue 22 §1, §4): after an invalid submit (browser validation
switched off), the focus is on the error summary, the title starts "Erreur : " and a link of
the summary takes the focus to its field; after a redirect, the message is focused and named in
the title. Without JavaScript: `autofocus` does it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.browser import PageChecks, log_in
from tests.helpers.factories import ActivityFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_id(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.id"))


def submit_without_browser_checks(page: Any, button: str) -> None:
    page.evaluate("() => document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def test_a_refused_login_focuses_its_summary_and_its_links_reach_the_fields(
    live_server: Any, plain_page: Any
) -> None:
    page = plain_page  # no JavaScript: the focus comes from the markup alone
    page.goto(f"{live_server.url}/compte/connexion/")
    assert not page.title().startswith("Erreur")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()

    assert page.title().startswith("Erreur : Connexion")
    assert focused_id(page) == "resume-erreurs"
    summary = page.locator("#resume-erreurs")
    assert "à corriger" in summary.get_by_role("heading").inner_text()
    summary.get_by_role("link", name="Mot de passe").click()
    assert focused_id(page) == "id_password"


def test_a_partner_hears_the_refusal_then_the_saved_profile(
    live_server: Any, page: Any, axe_violations: Any
) -> None:
    organisation = OrganisationFactory(
        public_name="Club de l'Étang",
        street="2 allée de l'Étang",
        postcode="92000",
        city="Nanterre",
        public_contact_name="Jeanne Martin",
        public_phone="+33123456789",
        public_email="contact@etang.example.fr",
    )
    ActivityFactory(organisation=organisation, name="Natation", domain="sport")
    treasurer = UserFactory(organisation_member=True, organisation=organisation)
    checks = PageChecks(page, axe_violations, 360)
    log_in(page, live_server.url, treasurer.email, landing="/espace-affilie/")
    page.goto(f"{live_server.url}/espace-affilie/compte/fiche/")
    page.get_by_label("Code postal").fill("13001")
    submit_without_browser_checks(page, "Enregistrer la fiche")

    assert page.title().startswith("Erreur : Fiche de l'organisme")
    assert focused_id(page) == "resume-erreurs"
    assert "territoire" in page.locator("#resume-erreurs").inner_text()
    checks.check("fiche refusée")
    page.locator("#resume-erreurs").get_by_role("link", name="Code postal").click()
    assert focused_id(page) == "id_postcode"

    page.get_by_label("Code postal").fill("92000")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    page.wait_for_load_state()
    assert page.title().startswith("Fiche mise à jour")
    assert focused_id(page) == "messages"
    assert page.locator("#messages").get_attribute("role") == "status"
    checks.check("fiche enregistrée")
    checks.assert_clean()
