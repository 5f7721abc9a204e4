"""The convention wizard in headless Chromium, by a treasurer on a phone and on a desktop:
every page has zero axe-core violations and no horizontal scroll, the forms are filled with
the keyboard-reachable labels, the code read from the SMS outbox signs. The first RIB is
required, and the code's message names the number in words (issue 32)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation
from tests.helpers.affiliation import (
    PDF_BYTES,
    STRONG_PASSWORD,
    correspondent_of,
    identification_data,
    last_sms_code,
    path_of,
)
from tests.helpers.browser import PageChecks
from tests.helpers.factories import ConventionVersionFactory
from tests.helpers.tasks import run_queued_tasks

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def invitation_path() -> str:
    """A correspondent registered the form; the invitation e-mail was sent (before the browser
    starts, see the `browser` fixture)."""
    ConventionVersionFactory()
    correspondent = Client()
    correspondent.force_login(correspondent_of("92050"))
    response = correspondent.post("/espace-correspondant/fiches/nouvelle/", identification_data())
    assert response.status_code == 302
    run_queued_tasks()
    match = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body)
    assert match
    return path_of(match.group(0))


@pytest.mark.parametrize("width", [360, 1280])
def test_a_treasurer_signs_the_convention_in_the_browser(
    live_server: Any,
    invitation_path: str,
    page: Any,
    axe_violations: Any,
    width: int,
    tmp_path: Any,
) -> None:
    checks = PageChecks(page, axe_violations, width)
    page.goto(f"{live_server.url}{invitation_path}")
    checks.check("compte")
    page.get_by_label("Prénom").fill("Jeanne")
    page.get_by_label("Nom", exact=True).fill("Martin")
    page.get_by_label("Mot de passe", exact=True).fill(STRONG_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()

    page.wait_for_url(re.compile(r"/adhesion/eligibilite/$"))
    checks.check("éligibilité")
    page.get_by_label(re.compile("Oui : association")).check()
    page.get_by_label(re.compile("principe de laïcité")).check()
    page.get_by_label(re.compile("égal accès")).check()
    page.get_by_role("button", name="Enregistrer et continuer").click()

    page.wait_for_url(re.compile(r"/adhesion/coordonnees/$"))
    page.get_by_role("button", name="Enregistrer et continuer").click()  # empty: errors
    page.wait_for_function("document.title.startsWith('Erreur')")
    checks.check("coordonnées avec erreurs")
    fields = {
        "Nom affiché dans l'annuaire": "US Nanterre",
        "Adresse (numéro et rue)": "12 rue des Sports",
        "Code postal": "92000",
        "Ville": "Nanterre",
        "Nom du contact affiché dans l'annuaire": "Jeanne Martin",
        "Téléphone affiché dans l'annuaire": "01 47 00 00 00",
        "E-mail affiché dans l'annuaire": "contact@usn.example.fr",
        "Nom et prénom du représentant légal": "Paul Durand",
        "Qualité du représentant légal (président, maire…)": "Président",
        "E-mail du représentant légal": "president@usn.example.fr",
        "Portable du représentant légal": "06 12 34 56 78",
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Enregistrer et continuer").click()

    page.wait_for_url(re.compile(r"/adhesion/banque/$"))
    # No RIB on file yet: the file is required, and announced so (issue 32, RGAA 11.10).
    expect(page.get_by_label(re.compile("^RIB"))).to_have_js_property("required", True)
    expect(page.locator("label[for=id_rib_document]")).not_to_contain_text("facultatif")
    checks.check("banque")
    rib = tmp_path / "rib.pdf"
    rib.write_bytes(PDF_BYTES)
    page.get_by_label("Titulaire du compte").fill("Union sportive de Nanterre")
    page.get_by_label("IBAN", exact=True).fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_label(re.compile("^RIB")).set_input_files(str(rib))
    page.get_by_role("button", name="Enregistrer et continuer").click()

    page.wait_for_url(re.compile(r"/adhesion/recapitulatif/$"))
    checks.check("récapitulatif")
    page.get_by_role("button", name="Valider les données saisies").click()

    page.wait_for_url(re.compile(r"/adhesion/conditions/$"))
    checks.check("conditions")
    page.get_by_label(re.compile("règlement du dispositif")).check()
    page.get_by_label(re.compile("conditions générales")).check()
    page.get_by_role("button", name="Accepter et continuer").click()

    page.wait_for_url(re.compile(r"/adhesion/signature/$"))
    checks.check("signature")
    page.get_by_role("button", name="Envoyer le code au représentant légal").click()
    # The focused message and the title say the number in words (issue 32, RGAA 13.5).
    sent = "Code envoyé par SMS au numéro se terminant par 78. Il est valable 10 minutes."
    expect(page).to_have_title(re.compile(f"^{re.escape(sent)} — "))
    expect(page.locator("#messages")).to_be_focused()
    expect(page.locator("#messages")).to_have_text(sent)
    checks.check("signature, code envoyé")
    page.get_by_label("Code reçu par SMS").fill(last_sms_code())
    page.get_by_role("button", name="Signer la convention").click()

    page.wait_for_url(re.compile(r"/espace-affilie/conventions/\d+/$"))
    checks.check("convention signée")
    assert Organisation.objects.get().status == OrganisationStatus.AFFILIATED
    checks.assert_clean()
