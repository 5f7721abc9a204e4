"""Pupil imports whose worker died: failed with a French message, retried from their page or
from "À traiter" (gestionnaire or admin, POST, only from "Échec"), with the same totals.
(A real worker killed during a 40,000-line import: tests/workers/test_worker_processes.py.)"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.core.imports import INTERRUPTED_MESSAGE
from passplus.pupils.models import ImportJob, ImportMode, ImportStatus, Pupil
from passplus.pupils.tasks import import_job_check, import_job_run
from passplus.workers.recovery import recover_dead_work
from tests.helpers import factories
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.pages import parse_html, text_of
from tests.helpers.pupil_import import csv_bytes, line
from tests.helpers.tasks import run_queued_tasks
from tests.helpers.workers import NOW, heartbeat, running

pytestmark = pytest.mark.django_db


@pytest.fixture
def interrupted_import() -> ImportJob:
    """An import whose worker died in the middle of the import step (nothing was imported)."""
    year = factories.SchoolYearFactory()
    data = csv_bytes(line(year), line(year, first="Hugo", email="autre@example.fr"))
    job = ImportJob(school_year=year, original_name="eleves.csv")
    job.file.save("import.csv", ContentFile(data), save=False)
    job.status, job.mode = ImportStatus.IMPORTING, ImportMode.ALL
    job.total_lines = job.valid_lines = 2
    job.save()
    running(import_job_run.enqueue(job_id=job.pk), "dead")
    assert recover_dead_work(now=NOW).import_jobs_failed == 1
    job.refresh_from_db()
    return job


def test_an_import_whose_worker_died_fails_with_a_clear_message(
    client: Client, interrupted_import: ImportJob
) -> None:
    assert interrupted_import.status == ImportStatus.FAILED
    assert interrupted_import.file_error == INTERRUPTED_MESSAGE
    client.force_login(factories.UserFactory(gestionnaire=True))
    url = reverse("backoffice:pupil_import_job", args=[interrupted_import.pk])
    page = text_of(parse_html(client.get(url)), "main")
    assert "rien n'a été importé" in page and "Relancer l'import" in page
    assert "Import en cours" not in page

    # Confirming again says what to do, not "the file contains errors".
    with assert_unchanged(interrupted_import, counted=[DBTaskResult]):
        client.post(
            reverse("backoffice:pupil_import_confirm", args=[interrupted_import.pk]),
            {"mode": "all"},
        )
    page = text_of(parse_html(client.get(url)), "main")
    assert "relancez-le avec le bouton « Relancer »" in page


def test_retrying_an_interrupted_import_imports_it_once(
    client: Client, interrupted_import: ImportJob
) -> None:
    staff = factories.UserFactory(gestionnaire=True)
    client.force_login(staff)
    retry = reverse("backoffice:pupil_import_retry", args=[interrupted_import.pk])

    assert client.post(retry).status_code == 302
    run_queued_tasks()

    interrupted_import.refresh_from_db()
    assert interrupted_import.status == ImportStatus.IMPORTED
    assert (interrupted_import.created_pupils, interrupted_import.created_families) == (2, 2)
    assert interrupted_import.file_error == ""
    assert ("pupil_import.retry", staff.pk) in audit_trail(interrupted_import)
    # A second retry is refused with a French message and imports nothing twice.
    with assert_unchanged(interrupted_import, counted=[DBTaskResult, Pupil]):
        client.post(retry)
    run_queued_tasks()
    page = text_of(
        parse_html(
            client.get(reverse("backoffice:pupil_import_job", args=[interrupted_import.pk]))
        ),
        "main",
    )
    assert "Seul un import en échec peut être relancé." in page
    assert Pupil.objects.count() == 2


def test_an_import_retry_is_refused_to_finance_and_to_a_get(
    client: Client, interrupted_import: ImportJob
) -> None:
    retry = reverse("backoffice:pupil_import_retry", args=[interrupted_import.pk])
    client.force_login(factories.UserFactory(gestionnaire=True))
    assert client.get(retry).status_code == 405
    client.force_login(factories.UserFactory(finance=True))
    with assert_unchanged(interrupted_import, counted=[DBTaskResult]):
        response = client.post(retry)
    assert response.status_code == 403
    interrupted_import.refresh_from_db()
    assert interrupted_import.status == ImportStatus.FAILED
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_the_review_queue_retries_an_interrupted_import_through_its_job(
    client: Client, interrupted_import: ImportJob
) -> None:
    client.force_login(factories.UserFactory(gestionnaire=True))
    queue = text_of(parse_html(client.get(reverse("backoffice:review_queue"))), "#taches ~ div")
    assert "Import de collégiens" in queue
    lost = DBTaskResult.objects.get(status="FAILED")

    response = client.post(reverse("backoffice:task_retry", args=[lost.pk]))

    assert response["Location"] == reverse(
        "backoffice:pupil_import_job", args=[interrupted_import.pk]
    )
    run_queued_tasks()
    interrupted_import.refresh_from_db()
    assert interrupted_import.status == ImportStatus.IMPORTED
    queue = text_of(parse_html(client.get(reverse("backoffice:review_queue"))), "main")
    assert "Aucune tâche en échec" in queue


def test_an_import_that_failed_twice_is_listed_once(
    client: Client, interrupted_import: ImportJob
) -> None:
    staff = factories.UserFactory(gestionnaire=True)
    client.force_login(staff)
    client.post(reverse("backoffice:pupil_import_retry", args=[interrupted_import.pk]))
    running(DBTaskResult.objects.get(status="READY"), "dead-again")
    assert recover_dead_work(now=NOW).import_jobs_failed == 1

    soup = parse_html(client.get(reverse("backoffice:review_queue")))
    heading = soup.find(id="taches")
    assert heading is not None and heading.get_text(strip=True) == "Tâches en échec (1)"


@pytest.mark.parametrize(
    "status",
    [
        ImportStatus.PENDING,
        ImportStatus.VALIDATING,
        ImportStatus.VALID,
        ImportStatus.INVALID,
        ImportStatus.IMPORT_PENDING,
        ImportStatus.IMPORTING,
        ImportStatus.IMPORTED,
    ],
)
def test_only_a_failed_import_can_be_retried(
    client: Client, interrupted_import: ImportJob, status: str
) -> None:
    ImportJob.objects.filter(pk=interrupted_import.pk).update(status=status)
    interrupted_import.refresh_from_db()
    client.force_login(factories.UserFactory(admin=True))
    url = reverse("backoffice:pupil_import_retry", args=[interrupted_import.pk])

    with assert_unchanged(interrupted_import, counted=[DBTaskResult]):
        response = client.post(url, follow=True)

    assert "Seul un import en échec peut être relancé." in text_of(parse_html(response), "main")


def test_an_admin_may_retry_and_an_unknown_import_is_not_found(
    client: Client, interrupted_import: ImportJob
) -> None:
    client.force_login(factories.UserFactory(admin=True))
    missing = reverse("backoffice:pupil_import_retry", args=[interrupted_import.pk + 1000])
    with assert_unchanged(interrupted_import, counted=[DBTaskResult]):
        response = client.post(missing)
    assert response.status_code == 404

    client.post(reverse("backoffice:pupil_import_retry", args=[interrupted_import.pk]))

    interrupted_import.refresh_from_db()
    assert interrupted_import.status == ImportStatus.IMPORT_PENDING


def test_an_import_left_running_without_any_task_is_failed_and_one_with_its_task_is_not() -> None:
    """A job "en cours" whose task result is gone (pruned, or failed before reaching the job)
    would show "Import en cours" forever; a job whose task waits or runs is left alone."""
    year = factories.SchoolYearFactory()
    orphan = ImportJob.objects.create(
        school_year=year, original_name="a.csv", status=ImportStatus.IMPORTING
    )
    waiting = ImportJob.objects.create(
        school_year=year, original_name="b.csv", status=ImportStatus.IMPORT_PENDING
    )
    import_job_run.enqueue(job_id=waiting.pk)
    checking = ImportJob.objects.create(
        school_year=year, original_name="c.csv", status=ImportStatus.VALIDATING
    )
    running(import_job_check.enqueue(job_id=checking.pk), "alive")
    heartbeat("alive", seen_seconds_ago=1)
    done = ImportJob.objects.create(
        school_year=year, original_name="d.csv", status=ImportStatus.IMPORTED
    )

    assert recover_dead_work(now=NOW).import_jobs_failed == 1

    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses == {
        orphan.pk: ImportStatus.FAILED,
        waiting.pk: ImportStatus.IMPORT_PENDING,
        checking.pk: ImportStatus.VALIDATING,
        done.pk: ImportStatus.IMPORTED,
    }
    orphan.refresh_from_db()
    assert orphan.file_error == INTERRUPTED_MESSAGE
    assert recover_dead_work(now=NOW).import_jobs_failed == 0
