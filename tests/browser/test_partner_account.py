"""The partner's account space in headless Chromium: the account page, the profile form (a bad
postcode first), the users page, the password change, and a bank-detail change up to its SMS
confirmation; zero axe-core violations and no horizontal scroll at 1280 and 360 px."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from passplus.notifications import sms
from passplus.organisations.enums import BankAccountStatus
from tests.helpers.browser import PageChecks, log_in
from tests.helpers.factories import (
    ActivityFactory,
    BankAccountFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.helpers.tasks import run_queued_tasks

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def treasurer() -> Any:
    organisation = OrganisationFactory(public_name="Club de l'Étang", offers_sport=True)
    ActivityFactory(organisation=organisation, name="Natation", domain="sport")
    BankAccountFactory(organisation=organisation, validated=True)
    return UserFactory(organisation_member=True, organisation=organisation)


@pytest.mark.parametrize("width", [1280, 360])
def test_a_treasurer_manages_the_account_and_changes_bank_details(
    live_server: Any, treasurer: Any, page: Any, axe_violations: Any, width: int, tmp_path: Any
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in(page, live_server.url, treasurer.email, landing="/espace-affilie/")
    page.get_by_role("link", name=re.compile("Fiche de l'organisme, utilisateurs")).click()
    page.get_by_role("link", name="Modifier la fiche").wait_for()
    checks.check("mon compte")

    page.get_by_role("link", name="Modifier la fiche").click()
    page.get_by_label("Code postal").wait_for()
    checks.check("fiche")
    page.get_by_label("Code postal").fill("13001")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    expect(page.locator("#id_postcode_error")).to_contain_text("territoire")
    checks.check("fiche refusée")

    page.goto(f"{live_server.url}/espace-affilie/compte/utilisateurs/")
    checks.check("utilisateurs")
    page.goto(f"{live_server.url}/compte/mot-de-passe/changer/")
    checks.check("mot de passe")

    page.goto(f"{live_server.url}/espace-affilie/compte/coordonnees-bancaires/")
    checks.check("coordonnées bancaires")
    rib = tmp_path / "rib.pdf"
    rib.write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    page.get_by_label("Titulaire du compte").fill("Club de l'Étang")
    page.get_by_label("IBAN").fill("FR76 3000 4000 0312 3456 7890 143")
    # Required, and announced so (issue 32): tests/browser/test_form_errors_rgaa.py.
    expect(page.get_by_label(re.compile("^RIB"))).to_have_js_property("required", True)
    page.get_by_label(re.compile("^RIB")).set_input_files(str(rib))
    page.get_by_role("button", name="Enregistrer les nouvelles coordonnées").click()
    page.wait_for_url(re.compile(r"/coordonnees-bancaires/confirmer/$"))
    checks.check("confirmation")
    page.get_by_role("button", name="Envoyer le code").click()
    # The code is queued once the page offers to send another one.
    expect(page.get_by_role("button", name="Envoyer un nouveau code")).to_be_visible()
    # The focused message and the title say the number in words (issue 32, RGAA 13.5).
    ending = treasurer.organisation.representative_mobile[-2:]
    sent = f"Code envoyé par SMS au numéro se terminant par {ending}. Il est valable 10 minutes."
    expect(page).to_have_title(re.compile(f"^{re.escape(sent)} — "))
    expect(page.locator("#messages")).to_be_focused()
    expect(page.locator("#messages")).to_have_text(sent)
    run_queued_tasks()
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text)
    assert code
    page.get_by_label("Code reçu par SMS").fill(code.group(1))
    page.get_by_label("Code reçu par SMS").press("Enter")
    page.wait_for_url(re.compile(r"/coordonnees-bancaires/$"))
    expect(page.locator("main")).to_contain_text("attendent la vérification")
    checks.check("changement en attente")
    assert treasurer.organisation.bank_accounts.filter(status=BankAccountStatus.PENDING).exists()

    checks.assert_clean()
