"""What axe-core cannot see (issue 22 §1, §4): after an invalid submit (browser validation
switched off), the focus is on the error summary, the title starts "Erreur : " and a link of
the summary takes the focus to its field; after a redirect, the message is focused and named in
the title. Without JavaScript: `autofocus` does it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import PageChecks, log_in
from tests.helpers.factories import ActivityFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit_without_browser_checks(page: Any, button: str) -> None:
    page.evaluate("() => document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.get_by_role("button", name=button).click()


def test_a_refused_login_focuses_its_summary_and_its_links_reach_the_fields(
    live_server: Any, plain_page: Any
) -> None:
    page = plain_page  # no JavaScript: the focus comes from the markup alone
    page.goto(f"{live_server.url}/compte/connexion/")
    expect(page).not_to_have_title(re.compile("^Erreur"))
    page.get_by_role("button", name="Se connecter").click()

    expect(page).to_have_title(re.compile("^Erreur : Connexion"))
    summary = page.locator("#resume-erreurs")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_contain_text("à corriger")
    summary.get_by_role("link", name="Mot de passe").click()
    expect(page.locator("#id_password")).to_be_focused()


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

    expect(page).to_have_title(re.compile("^Erreur : Fiche de l'organisme"))
    summary = page.locator("#resume-erreurs")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("territoire")
    checks.check("fiche refusée")
    summary.get_by_role("link", name="Code postal").click()
    expect(page.locator("#id_postcode")).to_be_focused()

    page.get_by_label("Code postal").fill("92000")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    expect(page).to_have_title(re.compile("^Fiche mise à jour"))
    messages = page.locator("#messages")
    expect(messages).to_be_focused()
    expect(messages).to_have_attribute("role", "status")
    checks.check("fiche enregistrée")
    checks.assert_clean()
