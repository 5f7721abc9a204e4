"""An import whose worker died, in headless Chromium: its page says that nothing was imported
and offers "Relancer l'import" (a plain form), "À traiter" lists it; every page has zero
axe-core violations and no horizontal scroll, on a desktop and on a phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from passplus.pupils.models import ImportJob, ImportMode, ImportStatus, Pupil
from passplus.pupils.tasks import import_job_run
from passplus.workers.recovery import recover_dead_work
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
def interrupted() -> ImportJob:
    """Created before `page`, so before the browser starts: its worker died while importing."""
    year = factories.SchoolYearFactory()
    job = ImportJob(school_year=year, original_name="eleves.csv", mode=ImportMode.ALL)
    job.file.save("import.csv", ContentFile(csv_bytes(line(year))), save=False)
    job.status, job.total_lines, job.valid_lines = ImportStatus.IMPORTING, 1, 1
    job.save()
    DBTaskResult.objects.get(pk=import_job_run.enqueue(job_id=job.pk).id).claim("mort")
    recover_dead_work(now=timezone.now() + dt.timedelta(minutes=5))
    factories.UserFactory(gestionnaire=True, email="gestion@example.fr")
    return job


@pytest.mark.parametrize("width", [1280, 360])
def test_an_interrupted_import_is_retried_from_its_page(
    live_server: Any, interrupted: ImportJob, page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    log_in_staff(page, live_server.url, "gestion@example.fr", factories.PASSWORD, lambda _: None)

    page.goto(f"{live_server.url}/gestion/a-traiter/")
    checks.check("à traiter, un import interrompu")
    expect(page.locator("#taches ~ div").first).to_contain_text("Import de collégiens")

    page.goto(live_server.url + reverse("backoffice:pupil_import_job", args=[interrupted.pk]))
    checks.check("import interrompu")
    expect(page.locator("main")).to_contain_text("rien n'a été importé")
    page.get_by_role("button", name="Relancer l'import").click()
    # The running job's page updates its progress in place (static/js/progress.js); checked
    # once the worker has imported it.
    expect(page.locator("main")).to_contain_text("Import relancé")
    run_queued_tasks()
    page.reload()
    checks.check("import relancé puis terminé")
    expect(page.locator("main")).to_contain_text("Importé")
    interrupted.refresh_from_db()
    assert interrupted.status == ImportStatus.IMPORTED and Pupil.objects.count() == 1
    checks.assert_clean()
