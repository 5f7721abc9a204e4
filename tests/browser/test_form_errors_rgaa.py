"""Issue 32, input control found by the RGAA audit (11.5, 11.10), in headless Chromium at 360
and 1280 px, axe-core clean on every page, before and after the refusal:

- the wizard's « Règlement et conditions » sent empty: the error summary names each box by
  its text, never the label's markup (the link to the rules);
- the RIB file of a bank-details change is required, marked and announced so, and its refusal
  leads to it;
- the correspondent's two domain boxes are one group whose legend states « au moins un »
  before sending and carries the error after it; the contact's and the organisation's fields
  do not offer the correspondent's own data; SIRET and RNA say when each is required.

The SMS-code message (13.5) is checked along the journeys of test_affiliation_wizard.py and
test_partner_account.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.helpers.affiliation import correspondent_of, fill_until
from tests.helpers.browser import PageChecks, log_in
from tests.helpers.factories import (
    BankAccountFactory,
    ConventionVersionFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WIDTHS = [360, 1280]


@pytest.fixture
def partner_at_conditions() -> Any:
    """A member of a signing organisation whose wizard is filled up to the review (done):
    the conditions step is the next one (filled before the browser starts)."""
    ConventionVersionFactory()
    organisation = OrganisationFactory(signing=True)
    user = UserFactory(organisation_member=True, organisation=organisation)
    client = Client()
    client.force_login(user)
    fill_until(client, "recapitulatif")
    return user


@pytest.fixture
def affiliated_member() -> Any:
    organisation = OrganisationFactory()
    BankAccountFactory(organisation=organisation, validated=True)
    return UserFactory(organisation_member=True, organisation=organisation)


@pytest.fixture
def correspondent() -> Any:
    return correspondent_of("92050")


def summary_link(page: Any, start: str) -> Any:
    return page.locator("#resume-erreurs").get_by_role("link", name=re.compile(f"^{start}"))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_conditions_summary_names_each_box_by_its_text(
    live_server: Any, partner_at_conditions: Any, page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in(page, live_server.url, partner_at_conditions.email, landing=re.compile("/adhesion/"))
    page.goto(f"{live_server.url}/espace-affilie/adhesion/conditions/")
    checks.check("conditions")

    page.get_by_role("button", name="Accepter et continuer").click()

    expect(page).to_have_title(re.compile("^Erreur : "))
    summary = page.locator("#resume-erreurs")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(2)
    rules = summary_link(page, "J'accepte le règlement du dispositif")
    expect(rules).to_have_accessible_name(
        re.compile(
            r"^J'accepte le règlement du dispositif \(version [^)<]+\)\. : "
            r"Acceptez le règlement du dispositif pour continuer\.$"
        )
    )
    expect(summary).not_to_contain_text(re.compile("<|&lt;|href"))
    checks.check("conditions refusées")
    rules.click()
    expect(page.get_by_role("checkbox", name=re.compile("règlement du dispositif"))).to_be_focused()
    checks.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_rib_of_a_bank_details_change_is_required_and_its_refusal_leads_to_it(
    live_server: Any,
    affiliated_member: Any,
    page: Any,
    axe_violations: Any,
    width: int,
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in(page, live_server.url, affiliated_member.email, landing="/espace-affilie/")
    page.goto(f"{live_server.url}/espace-affilie/compte/coordonnees-bancaires/")
    rib = page.get_by_label(re.compile("^RIB"))
    expect(rib).to_have_js_property("required", True)  # announced as required
    expect(page.locator("label[for=id_rib_document]")).not_to_contain_text("facultatif")
    checks.check("coordonnées bancaires")

    page.get_by_label("Titulaire du compte").fill("Club de l'Étang")
    page.get_by_label("IBAN").fill("FR76 3000 4000 0312 3456 7890 143")
    page.get_by_role("button", name="Enregistrer les nouvelles coordonnées").click()

    expect(page.locator("#resume-erreurs")).to_be_focused()
    link = summary_link(page, "RIB")
    expect(link).to_have_accessible_name(re.compile(r" : Joignez votre RIB \(PDF, JPEG ou PNG\)"))
    expect(rib).to_have_js_property("required", True)
    expect(rib).to_have_accessible_description(re.compile("Joignez votre RIB"))
    checks.check("coordonnées bancaires refusées")
    link.click()
    expect(rib).to_be_focused()
    checks.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_correspondents_domains_are_a_group_that_states_and_carries_its_rule(
    live_server: Any, correspondent: Any, page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in(page, live_server.url, correspondent.email, landing="/espace-correspondant/")
    page.goto(f"{live_server.url}/espace-correspondant/fiches/nouvelle/")
    group = page.get_by_role("group", name=re.compile(r"^Domaines d'activité \(au moins un\)"))
    expect(group).to_have_accessible_name("Domaines d'activité (au moins un)")  # before sending
    expect(group.get_by_role("checkbox")).to_have_count(2)
    sport = group.get_by_role("checkbox", name="Activités sportives")
    for name in ("legal_name", "acronym", "contact_name", "contact_email", "contact_phone"):
        expect(page.locator(f"[name={name}]")).to_have_attribute("autocomplete", "off")
    expect(page.get_by_label("SIRET (obligatoire sauf pour une association)")).to_be_visible()
    expect(page.get_by_label("Numéro RNA (obligatoire pour une association)")).to_be_visible()
    checks.check("fiche d'identification")

    page.get_by_label("Raison sociale").fill("Union sportive")
    page.get_by_role("button", name="Enregistrer et envoyer l'invitation").click()

    expect(page.locator("#resume-erreurs")).to_be_focused()
    link = summary_link(page, re.escape("Domaines d'activité (au moins un)"))
    expect(link).to_have_accessible_name(
        "Domaines d'activité (au moins un) : "
        "Cochez au moins un domaine : activités sportives ou culturelles."
    )
    expect(group).to_have_accessible_name(re.compile(r"\(au moins un\) Cochez au moins un domaine"))
    checks.check("fiche refusée")
    link.click()
    expect(sport).to_be_focused()
    checks.assert_clean()
