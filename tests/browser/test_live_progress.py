"""Work in progress is updated in place (issue 22 §9): no reload that throws the focus to the
top, the stop control before the progress, the new step said once in a polite live region,
and nothing more fetched once stopped; at the end the result replaces the progress and the focus
goes to the page's heading."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from passplus.pupils.import_jobs import ImportJob, ImportStatus
from tests.helpers import factories
from tests.helpers.browser import PageChecks, log_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_import_progress_moves_under_a_still_focus_and_stops_on_request(
    live_server: Any, page: Any, axe_violations: Any, settings: Any
) -> None:
    factories.UserFactory(gestionnaire=True, email="gestion@example.fr")
    job = ImportJob.objects.create(
        school_year=factories.SchoolYearFactory(),
        file=ContentFile(b"x", name="eleves.csv"),
        original_name="eleves.csv",
        status=ImportStatus.VALIDATING,
        total_lines=400,
        processed_lines=40,
    )
    checks = PageChecks(page, axe_violations, 360)
    log_in_staff(page, live_server.url, "gestion@example.fr", factories.PASSWORD, checks.check)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live_server.url + reverse("backoffice:pupil_import_job", args=[job.pk]))
    checks.check("import en cours")

    stop = page.get_by_role("button", name="Arrêter la mise à jour")
    order = page.evaluate(
        "() => [...document.querySelectorAll('#avancement-import [data-progress-stop],"
        " #avancement-import progress')].map(e => e.tagName)"
    )
    assert order == ["BUTTON", "PROGRESS"]  # the stop control comes first
    stop.focus()
    ImportJob.objects.filter(pk=job.pk).update(processed_lines=220)

    expect(page.locator("#avancement")).to_have_js_property("value", 55)
    expect(stop).to_be_focused()  # the update kept the focus
    announced = page.locator("[data-progress-announce]")
    expect(announced).to_have_text("Vérification : 50 % des lignes au moins")

    stop.click()
    fetched = len(requests)
    ImportJob.objects.filter(pk=job.pk).update(processed_lines=400)
    page.wait_for_timeout(4000)  # more than one interval (3 s)
    assert len(requests) == fetched  # stopped: nothing fetched any more
    expect(page.locator("#avancement")).to_have_attribute("value", "55")
    expect(page.locator("[data-progress-manual]")).to_contain_text("Actualiser")
    checks.assert_clean()
