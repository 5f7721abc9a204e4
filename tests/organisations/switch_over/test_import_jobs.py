"""The switch-over import as background jobs (passplus/organisations/switch_over/requests.py,
jobs.py, passplus/organisations/tasks.py): upload, check with progress, import all lines or
explicitly only the valid ones, nothing imported while a line is wrong, the same file again
changes nothing; a job whose worker died is failed with a French message and retried once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Invitation, User
from passplus.audit.models import AuditEvent
from passplus.core.errors import DomainError
from passplus.core.imports import INTERRUPTED_MESSAGE
from passplus.organisations.models import (
    BankAccount,
    ImportedOrganisation,
    Organisation,
    OrganisationImport,
    OrganisationImportMode,
    OrganisationImportStatus,
)
from passplus.organisations.switch_over import requests
from passplus.organisations.switch_over.jobs import ALTERED_MESSAGE, CHANGED_MESSAGE
from passplus.organisations.tasks import organisation_import_check, organisation_import_run
from passplus.scheduling.retries import failed_for_good, task_retry
from passplus.workers.recovery import recover_dead_work
from tests.helpers import factories
from tests.helpers.affiliation import PDF_BYTES
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.switch_over import (
    bic_of_iban,
    organisation_csv,
    organisation_row,
    valid_iban,
    zip_archive,
)
from tests.helpers.tasks import run_queued_tasks
from tests.helpers.workers import NOW, running

pytestmark = pytest.mark.django_db

Status = OrganisationImportStatus
COUNTED = [Organisation, ImportedOrganisation, BankAccount, Invitation, AuditEvent, DBTaskResult]
NEW_IBAN = valid_iban(999)


def organisation_at(line: int) -> Organisation:
    """The organisation imported from line `line` of the first file."""
    return ImportedOrganisation.objects.select_related("organisation").get(line=line).organisation


@pytest.fixture
def staff() -> User:
    return factories.UserFactory(gestionnaire=True)


def upload(data: bytes, actor: User, documents: bytes | None = None) -> OrganisationImport:
    return requests.organisation_import_upload(
        upload=SimpleUploadedFile("organismes.csv", data, content_type="text/csv"),
        documents=SimpleUploadedFile("documents.zip", documents) if documents else None,
        actor=actor,
    )


def checked(data: bytes, actor: User, documents: bytes | None = None) -> OrganisationImport:
    job = upload(data, actor, documents)
    run_queued_tasks()
    job.refresh_from_db()
    return job


def imported(job: OrganisationImport, mode: str, actor: User) -> OrganisationImport:
    requests.organisation_import_request(job=job, mode=mode, actor=actor)
    run_queued_tasks()
    job.refresh_from_db()
    return job


def test_a_valid_file_is_checked_then_imported(staff: User) -> None:
    data = organisation_csv(3)
    job = checked(data, staff)

    assert job.status == Status.VALID
    assert (job.total_lines, job.processed_lines, job.valid_lines, job.error_lines) == (3, 3, 3, 0)
    assert job.progress_percent == 100
    assert Organisation.objects.count() == 0  # checked only

    job = imported(job, OrganisationImportMode.ALL, staff)

    assert job.status == Status.IMPORTED, job.file_error
    assert (job.created_organisations, job.updated_organisations) == (3, 0)
    assert job.imported_by == staff and job.finished_at is not None
    organisation = organisation_at(3)
    assert organisation.imported.source == job
    event = AuditEvent.objects.for_object(organisation).get(action="organisation.import")
    assert event.after == {"status": "affiliated", "sha256": job.sha256, "line": 3}
    assert [action for action, _actor in audit_trail(job)] == [
        "organisation_import.upload",
        "organisation_import.request",
        "organisation_import.import",
    ]
    assert Invitation.objects.count() == 3


def test_the_same_file_again_changes_nothing(staff: User) -> None:
    data = organisation_csv(2)
    imported(checked(data, staff), OrganisationImportMode.ALL, staff)
    organisation = organisation_at(2)
    second = checked(data, staff)
    assert second.status == Status.VALID  # organisations imported before are fine

    requests.organisation_import_request(job=second, mode=OrganisationImportMode.ALL, actor=staff)
    row_before = db_row(organisation)
    counts = rows_outside_the_job()
    run_queued_tasks()

    second.refresh_from_db()
    assert second.status == Status.IMPORTED
    assert (second.created_organisations, second.unchanged_organisations) == (0, 2)
    # Only the job itself moved (its status, totals and audit).
    assert db_row(organisation) == row_before
    assert rows_outside_the_job() == counts


def rows_outside_the_job() -> dict[str, int]:
    job_events = AuditEvent.objects.filter(object_type="organisations.organisationimport")
    return {
        "organisations": Organisation.objects.count(),
        "bank accounts": BankAccount.objects.count(),
        "invitations": Invitation.objects.count(),
        "tasks": DBTaskResult.objects.count(),
        "audit": AuditEvent.objects.count() - job_events.count(),
    }


def test_a_later_file_lists_a_different_iban_without_applying_it(staff: User) -> None:
    imported(checked(organisation_csv(2), staff), OrganisationImportMode.ALL, staff)

    changed = {"public_phone": "01 55 55 55 55", "iban": NEW_IBAN, "bic": bic_of_iban(NEW_IBAN)}
    later = organisation_csv(2, planted={2: changed})
    job = imported(checked(later, staff), OrganisationImportMode.ALL, staff)

    organisation = organisation_at(2)
    assert organisation.public_phone == "+33155555555"
    assert organisation.bank_accounts.get().iban == valid_iban(2)
    assert [difference["line"] for difference in job.bank_differences] == [2]
    assert job.bank_differences[0]["message"] == (
        "coordonnées différentes : à faire confirmer par l'organisme"
    )
    assert (job.updated_organisations, job.unchanged_organisations) == (1, 1)


def test_a_file_with_errors_imports_nothing_unless_only_the_valid_lines_are_asked(
    staff: User,
) -> None:
    data = organisation_csv(3, planted={3: {"iban": "FR76 1234"}})
    job = checked(data, staff)
    assert job.status == Status.INVALID
    assert [error["line"] for error in job.errors] == [3]

    with (
        assert_unchanged(job, counted=COUNTED),
        pytest.raises(DomainError, match="contient des erreurs"),
    ):
        requests.organisation_import_request(job=job, mode=OrganisationImportMode.ALL, actor=staff)

    job = imported(job, OrganisationImportMode.VALID_ONLY, staff)

    assert job.status == Status.IMPORTED
    assert job.created_organisations == 2
    assert sorted(ImportedOrganisation.objects.values_list("line", flat=True)) == [2, 4]
    # What was left out stays in the report.
    assert [error["line"] for error in job.errors] == [3] and job.error_lines == 1


def test_an_unknown_mode_and_a_second_request_are_refused(staff: User) -> None:
    job = checked(organisation_csv(1), staff)
    with assert_unchanged(job, counted=COUNTED), pytest.raises(DomainError, match="inconnu"):
        requests.organisation_import_request(job=job, mode="tout", actor=staff)
    requests.organisation_import_request(job=job, mode=OrganisationImportMode.ALL, actor=staff)
    with assert_unchanged(job, counted=COUNTED), pytest.raises(DomainError, match="en cours"):
        requests.organisation_import_request(job=job, mode=OrganisationImportMode.ALL, actor=staff)


def test_lines_that_became_wrong_since_the_check_import_nothing(staff: User) -> None:
    job = checked(organisation_csv(2), staff)
    # Meanwhile, the organisation of line 3 joined through the platform.
    third = organisation_row(3)
    factories.OrganisationFactory(siret=third["siret"].replace(" ", ""), rna=third["rna"])

    job = imported(job, OrganisationImportMode.ALL, staff)

    assert job.status == Status.INVALID
    assert job.file_error == CHANGED_MESSAGE
    assert [error["line"] for error in job.errors] == [3]
    assert not ImportedOrganisation.objects.exists()


def test_a_stored_file_altered_after_its_upload_imports_nothing(staff: User) -> None:
    job = checked(organisation_csv(1), staff)
    job.file.storage.delete(job.file.name)
    job.file.storage.save(job.file.name, ContentFile(organisation_csv(2)))

    job = imported(job, OrganisationImportMode.ALL, staff)

    assert (job.status, job.file_error) == (Status.INVALID, ALTERED_MESSAGE)
    assert not Organisation.objects.exists()


def test_the_documents_archive_is_checked_and_its_rib_stored(staff: User) -> None:
    planted = {2: {"rib_file": "rib-1.pdf"}, 3: {"rib_file": "absent.pdf"}}
    data = organisation_csv(2, planted=planted)

    job = checked(data, staff, zip_archive({"rib-1.pdf": PDF_BYTES}))
    assert job.status == Status.INVALID and [error["line"] for error in job.errors] == [3]
    assert job.documents_name == "documents.zip"

    job = imported(job, OrganisationImportMode.VALID_ONLY, staff)
    account = BankAccount.objects.get()
    with account.rib_document.open("rb") as stored:
        assert stored.read() == PDF_BYTES


def test_an_unreadable_archive_makes_the_job_invalid(staff: User) -> None:
    job = checked(organisation_csv(1), staff, b"not a zip at all")

    assert job.status == Status.INVALID
    assert "ZIP" in job.file_error


@pytest.mark.parametrize(
    ("data", "documents", "message"),
    [
        (b"", None, "Le fichier est vide."),
        (b"x" * 2048, None, "Le fichier dépasse"),
        (b"nom\n", b"x" * 2048, "L'archive des documents dépasse"),
    ],
)
def test_empty_or_too_large_uploads_are_refused(
    staff: User,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    data: bytes,
    documents: bytes | None,
    message: str,
) -> None:
    monkeypatch.setattr(requests, "MAX_FILE_BYTES", 1024)
    settings.PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES = 1024
    with (
        assert_unchanged(counted=[OrganisationImport, DBTaskResult]),
        pytest.raises(DomainError, match=message),
    ):
        upload(data, staff, documents)
    assert [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()] == []


# Interrupted jobs ----------------------------------------------------------------------------


@pytest.fixture
def interrupted(staff: User) -> OrganisationImport:
    """A job whose worker died in the middle of its import (nothing was imported)."""
    job = checked(organisation_csv(2), staff)
    requests.organisation_import_request(job=job, mode=OrganisationImportMode.ALL, actor=staff)
    OrganisationImport.objects.filter(pk=job.pk).update(status=Status.IMPORTING)
    running(DBTaskResult.objects.get(status="READY"), "dead")

    assert recover_dead_work(now=NOW).import_jobs_failed == 1
    job.refresh_from_db()
    return job


def test_a_job_whose_worker_died_fails_with_a_clear_message(
    interrupted: OrganisationImport,
) -> None:
    assert interrupted.status == Status.FAILED
    assert interrupted.file_error == INTERRUPTED_MESSAGE
    assert not Organisation.objects.exists()
    with pytest.raises(DomainError, match="relancez-la"):
        requests.organisation_import_request(
            job=interrupted, mode=OrganisationImportMode.ALL, actor=interrupted.created_by
        )


def test_retrying_an_interrupted_import_imports_it_once(
    interrupted: OrganisationImport, staff: User
) -> None:
    assert requests.organisation_import_retry(job=interrupted, actor=staff) == "import"
    run_queued_tasks()

    interrupted.refresh_from_db()
    assert interrupted.status == Status.IMPORTED and interrupted.file_error == ""
    assert interrupted.created_organisations == 2
    with (
        assert_unchanged(interrupted, counted=COUNTED),
        pytest.raises(DomainError, match="Seule une reprise en échec"),
    ):
        requests.organisation_import_retry(job=interrupted, actor=staff)
    assert Organisation.objects.count() == 2


def test_the_review_queue_retries_an_interrupted_import_through_its_job(
    interrupted: OrganisationImport, staff: User
) -> None:
    lost = DBTaskResult.objects.get(status="FAILED")
    assert [result.pk for result in failed_for_good()] == [lost.pk]

    assert task_retry(task_result=lost, actor=staff) == interrupted
    run_queued_tasks()

    interrupted.refresh_from_db()
    assert interrupted.status == Status.IMPORTED
    assert failed_for_good() == []


def test_relancer_in_the_review_queue_opens_the_import_page(
    client: Client, interrupted: OrganisationImport, staff: User
) -> None:
    client.force_login(staff)
    lost = DBTaskResult.objects.get(status="FAILED")

    response = client.post(reverse("backoffice:task_retry", args=[lost.pk]))

    assert response["Location"] == reverse(
        "backoffice:organisation_import_job", args=[interrupted.pk]
    )
    interrupted.refresh_from_db()
    assert interrupted.status == Status.IMPORT_PENDING


def test_a_check_whose_worker_died_is_retried_as_a_check(staff: User) -> None:
    job = upload(organisation_csv(1), staff)
    running(DBTaskResult.objects.get(status="READY"), "dead")
    assert recover_dead_work(now=NOW).import_jobs_failed == 1
    job.refresh_from_db()
    assert job.status == Status.FAILED

    assert requests.organisation_import_retry(job=job, actor=staff) == "check"
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == Status.VALID


def test_a_running_job_left_without_its_task_is_failed(staff: User) -> None:
    job = upload(organisation_csv(1), staff)
    DBTaskResult.objects.all().delete()  # its task result pruned

    assert recover_dead_work(now=NOW).import_jobs_failed == 1
    job.refresh_from_db()
    assert (job.status, job.file_error) == (Status.FAILED, INTERRUPTED_MESSAGE)


def test_an_unexpected_error_fails_the_job_and_imports_nothing(
    staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = checked(organisation_csv(1), staff)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("passplus.organisations.switch_over.jobs.apply_lines", broken)
    job = imported(job, OrganisationImportMode.ALL, staff)

    assert job.status == Status.FAILED
    assert job.file_error == "Erreur inattendue (RuntimeError) : rien n'a été importé."
    assert not Organisation.objects.exists()


def test_the_tasks_run_on_the_imports_queue() -> None:
    assert organisation_import_check.queue_name == organisation_import_run.queue_name == "imports"
