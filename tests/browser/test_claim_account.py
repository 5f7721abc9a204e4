"""Issue 34 in headless Chromium, on the demo data: the contact of the demo's unclaimed imported
organisation follows the claim link (an older link first: « remplacé »), sends the form empty,
then creates the access and lands in the partner space, signed in, with nothing to sign; a
gestionnaire follows the unclaimed organisations from « À traiter » and resends an invitation.
Zero axe-core violations and no horizontal scroll on every page, on a phone and a desktop."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from passplus.accounts.models import User
from passplus.demo.build import DEMO_DOMAIN, DEMO_PASSWORD
from passplus.demo.switch_over import fresh_claim_link
from passplus.organisations.models import ImportedOrganisation
from tests.helpers.affiliation import STRONG_PASSWORD
from tests.helpers.browser import PageChecks, log_in_staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_contact_claims_the_account_and_lands_in_the_partner_space(
    live_server: Any, demo: None, page: Any, axe_violations: Any, width: int
) -> None:
    old = fresh_claim_link(DEMO_DOMAIN)
    claim = fresh_claim_link(DEMO_DOMAIN)
    assert old is not None and claim is not None
    link, name = claim
    checks = PageChecks(page, axe_violations, width)

    replaced = live_server.url + urlsplit(old[0]).path
    page.goto(replaced)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce lien a été remplacé")
    checks.check("lien remplacé")
    checks.errors.remove(f"HTTP 410: {replaced}")  # the status of a link that no longer works

    page.goto(live_server.url + urlsplit(link).path)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Votre organisme est déjà partenaire : créez votre accès"
    )
    expect(page.locator("main")).to_contain_text(name)
    expect(page.get_by_label("Prénom")).to_have_value("Nadia")  # the file's contact
    checks.check("création de l'accès")

    page.get_by_role("button", name="Créer mon accès").click()
    summary = page.locator("#resume-erreurs")
    expect(summary).to_be_focused()
    checks.check("création de l'accès refusée")

    page.get_by_label("Mot de passe", exact=True).fill(STRONG_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Créer mon accès").click()
    page.wait_for_url(f"{live_server.url}/espace-affilie/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Espace affilié")
    expect(page.locator("main")).to_contain_text("Votre accès est créé")
    expect(page.get_by_role("link", name="Saisir un ticket")).to_be_visible()
    checks.check("espace affilié")

    page.get_by_role("link", name="Saisir un ticket").click()
    page.wait_for_url(f"{live_server.url}/espace-affilie/tickets/saisir/")
    checks.check("saisie")
    checks.assert_clean()

    imported = ImportedOrganisation.objects.select_related("organisation").get(
        organisation__legal_name=name
    )
    assert imported.claimed_at is not None
    assert User.objects.filter(organisation=imported.organisation).count() == 1


@pytest.mark.parametrize("width", [360, 1280])
def test_a_gestionnaire_follows_the_unclaimed_organisations_and_resends_an_invitation(
    live_server: Any, demo: None, page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in_staff(
        page, live_server.url, f"gestionnaire@{DEMO_DOMAIN}", DEMO_PASSWORD, checks.check_axe_only
    )
    page.goto(f"{live_server.url}/gestion/a-traiter/")
    expect(page.locator("#sans-acces")).to_have_text("Organismes repris sans accès (1)")
    checks.check("à traiter")

    page.get_by_role("link", name=re.compile("^Suivre le")).click()
    page.wait_for_url(f"{live_server.url}/gestion/organismes-non-reclames/")
    expect(page.locator("tbody tr")).to_have_count(1)
    checks.check("organismes sans accès")

    page.get_by_role("button", name=re.compile("^Renvoyer l'invitation")).click()
    expect(page.locator(".message").first).to_contain_text("Invitation renvoyée à")
    checks.check("invitation renvoyée")

    page.get_by_role("button", name=re.compile("^Renvoyer à tous")).click()
    expect(page.locator(".message").first).to_contain_text("partent en arrière-plan")
    checks.check("renvoi à tous")
    checks.assert_clean()
