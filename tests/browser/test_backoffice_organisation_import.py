"""« Reprise des organismes » in headless Chromium (issue 34): a gestionnaire opens the page
from the menu, sends the form empty (errors first), uploads a file with a wrong line and its ZIP
of documents, follows the check, reads the report, imports only the valid lines, then a second
file whose IBAN differs, and opens the organisation listed; a second person reads that
organisation's page (convention of the previous system, bank details to confirm). Every page
has zero axe-core violations and no horizontal scroll, on a desktop and on a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers import factories
from tests.helpers.browser import PageChecks, log_in_staff
from tests.helpers.switch_over import documents_zip, organisation_csv, valid_iban
from tests.helpers.tasks import run_queued_tasks

# See test_partner_journey.py for why the test is transactional.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

JOB_URL = re.compile(r"/gestion/reprise-organismes/\d+/$")


@pytest.fixture
def staff() -> tuple[Any, Any]:
    """The importer and a second gestionnaire, created before `page` (before the browser)."""
    return (
        factories.UserFactory(gestionnaire=True, email="reprise@example.fr"),
        factories.UserFactory(gestionnaire=True, email="second@example.fr"),
    )


def upload(page: Any, tmp_path: Any, data: bytes, documents: bytes | None = None) -> None:
    (tmp_path / "organismes.csv").write_bytes(data)
    page.get_by_label("Fichier CSV des organismes").set_input_files(
        str(tmp_path / "organismes.csv")
    )
    if documents is not None:
        (tmp_path / "documents.zip").write_bytes(documents)
        page.get_by_label("Documents (facultatif)").set_input_files(str(tmp_path / "documents.zip"))
    page.get_by_role("button", name="Vérifier le fichier").click()
    page.wait_for_url(JOB_URL)


@pytest.mark.parametrize("width", [1280, 360])
def test_a_switch_over_is_checked_and_imported_in_the_browser(
    live_server: Any,
    staff: tuple[Any, Any],
    page: Any,
    axe_violations: Any,
    width: int,
    tmp_path: Any,
) -> None:
    importer, second = staff
    checks = PageChecks(page, axe_violations, width)
    log_in_staff(page, live_server.url, importer.email, factories.PASSWORD, checks.check)

    page.get_by_role("link", name="Reprise des organismes").click()
    page.wait_for_url(f"{live_server.url}/gestion/reprise-organismes/")
    checks.check("reprise")
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page).to_have_title(re.compile("^Erreur"))
    checks.check("reprise, formulaire vide")

    # Line 3's SIRET is wrong; line 10 names its RIB and convention, in the ZIP.
    first = organisation_csv(9, planted={3: {"siret": "123"}}, documents=True)
    upload(page, tmp_path, first, documents_zip(9))
    stop = page.get_by_role("button", name="Arrêter la mise à jour")
    stop.focus()
    checks.check("vérification en cours")
    run_queued_tasks()  # the script sees the check finished: the report replaces the progress
    expect(page.get_by_role("heading", name="Résultat de la vérification")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(page.get_by_role("rowheader", name="3")).to_be_visible()
    checks.check("rapport")

    page.get_by_role("button", name="Importer les 8 lignes valides").click()
    expect(page.get_by_text("Import lancé : cette page se met à jour toute seule.")).to_be_visible()
    checks.check("import en cours")
    run_queued_tasks()
    expect(page.get_by_role("heading", name="Import terminé")).to_be_visible()
    expect(page.get_by_role("heading", name="Lignes laissées de côté")).to_be_visible()
    checks.check("import terminé")

    # A later file: line 2's IBAN differs (listed, not applied).
    page.goto(f"{live_server.url}/gestion/reprise-organismes/")
    later = organisation_csv(1, planted={2: {"iban": valid_iban(999), "bic": "AGRIFRPP"}})
    upload(page, tmp_path, later)
    run_queued_tasks()
    page.reload()
    page.get_by_role("button", name="Importer la ligne").click()
    expect(page.get_by_text("Import lancé : cette page se met à jour toute seule.")).to_be_visible()
    run_queued_tasks()
    differences = page.get_by_role(
        "heading", name="Coordonnées différentes : à faire confirmer par l'organisme"
    )
    expect(differences).to_be_visible()
    checks.check("coordonnées différentes")

    # The second person opens the organisation listed: imported convention, details to confirm.
    organisation = page.locator("#coordonnees-differentes ~ .table-wrap a").first
    href = organisation.get_attribute("href")
    page.get_by_role("button", name="Se déconnecter").click()
    log_in_staff(page, live_server.url, second.email, factories.PASSWORD, checks.check_axe_only)
    page.goto(f"{live_server.url}{href}")
    expect(page.get_by_text("Convention signée dans le système précédent")).to_be_visible()
    expect(page.get_by_text("Validées dans le système précédent")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Valider"))).to_be_visible()
    checks.check("fiche d'un organisme repris")

    checks.assert_clean()
