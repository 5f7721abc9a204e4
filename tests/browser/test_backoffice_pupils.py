"""The campaign form and the pupil import in headless Chromium: a gestionnaire fills the form
(errors first), uploads a CSV with a wrong line, follows the check and reads the report; every
page has zero axe-core violations and no horizontal scroll, on a desktop and on a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers import factories
from tests.helpers.browser import PageChecks, log_in_staff
from tests.helpers.pupil_import import csv_bytes, line
from tests.helpers.tasks import run_queued_tasks

# See test_partner_journey.py for why the test is transactional.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def gestionnaire() -> Any:
    """Created before `page`, so before the browser starts."""
    return factories.UserFactory(gestionnaire=True, email="gestion@example.fr")


@pytest.mark.parametrize("width", [1280, 360])
def test_campaign_form_and_pupil_import_are_accessible(
    live_server: Any, gestionnaire: Any, page: Any, axe_violations: Any, width: int, tmp_path: Any
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in_staff(page, live_server.url, gestionnaire.email, factories.PASSWORD, checks.check)

    page.get_by_role("link", name="Années scolaires", exact=True).click()
    page.get_by_role("link", name="Nouvelle année scolaire").click()
    page.get_by_label("Nom de l'année scolaire").wait_for()
    checks.check("nouvelle campagne")
    page.get_by_label("Nom de l'année scolaire").fill("2030-2031")
    page.get_by_label("Début").fill("2030-09-01")
    page.get_by_label("Fin", exact=True).fill("2031-08-31")
    page.get_by_label("Crédits sport et culture séparés").check()
    page.get_by_label("Date limite de création des tickets").fill("2031-05-31")
    page.get_by_label("Date limite de saisie par les organismes").fill("2031-05-01")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_title(re.compile("^Erreur"))
    # Four at least: the split amounts and the deadlines' order.
    expect(page.locator(".errorlist").nth(3)).to_be_attached()
    checks.check("campagne avec erreurs")
    page.get_by_label("Crédits sport et culture séparés").uncheck()
    page.get_by_label("Date limite de saisie par les organismes").fill("2031-06-30")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"{live_server.url}/gestion/campagnes/")
    checks.check("liste des campagnes")

    year = factories.SchoolYearFactory()
    data = csv_bytes(line(year), line(year, first="Hugo", **{"class": "2nde"}))
    (tmp_path / "eleves.csv").write_bytes(data)
    page.goto(f"{live_server.url}/gestion/eleves/import/")
    checks.check("import")
    page.get_by_label("Année scolaire").select_option(label=year.label)
    page.get_by_label("Fichier CSV").set_input_files(str(tmp_path / "eleves.csv"))
    page.get_by_role("button", name="Vérifier le fichier").click()
    page.wait_for_url(re.compile(r"/gestion/eleves/import/\d+/$"))
    stop = page.get_by_role("button", name="Arrêter la mise à jour")
    stop.focus()
    checks.check("vérification en cours")
    run_queued_tasks()  # the script sees the job finished: the report replaces the progress
    expect(page.get_by_role("heading", name="Résultat de la vérification")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_be_focused()  # the page's title, announced
    expect(page.get_by_role("button", name="Importer la ligne valide")).to_have_count(1)
    checks.check("rapport")

    checks.assert_clean()
