"""A switch-over import's work (docs/switch-over.md): check the stored file and its documents
(`organisation_import_validate`), then import it, all or nothing (`organisation_import_execute`).
Both run in a background task (passplus.organisations.tasks); the staff choose in between
(passplus.organisations.switch_over.requests). Modelled on the pupil import
(passplus.pupils.services)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from passplus.audit.models import record
from passplus.core.csv_files import FileError
from passplus.core.errors import DomainError
from passplus.organisations.models import (
    OrganisationImport,
    OrganisationImportMode,
    OrganisationImportStatus,
)
from passplus.organisations.switch_over.applying import apply_lines
from passplus.organisations.switch_over.checking import CheckResult, check_file
from passplus.organisations.switch_over.documents import (
    ArchiveError,
    DocumentArchive,
    open_archive,
)

if TYPE_CHECKING:
    from passplus.accounts.models import User

Status = OrganisationImportStatus
MAX_STORED_ERRORS = 1000
CHANGED_MESSAGE = (
    "Les données ont changé depuis la vérification : voici le nouveau rapport, relancez "
    "l'import si vous le souhaitez."
)
ALTERED_MESSAGE = (
    "Le fichier enregistré ne correspond plus à celui qui a été déposé : rien n'a été importé. "
    "Déposez-le à nouveau."
)


@contextmanager
def _documents(job: OrganisationImport) -> Iterator[DocumentArchive | None]:
    """The job's archive, opened and checked, its file open for the block (ArchiveError)."""
    if not job.documents:
        yield None
        return
    with job.documents.open("rb") as handle, open_archive(handle) as archive:
        yield archive


def _check(
    job: OrganisationImport, archive: DocumentArchive | None, data: bytes, *, with_progress: bool
) -> CheckResult | None:
    """Check the file and store the counts and errors on `job` (not saved); None, with
    `job.file_error`, if the file is unusable."""

    def progress(done: int, total: int) -> None:
        OrganisationImport.objects.filter(pk=job.pk).update(processed_lines=done, total_lines=total)

    try:
        result = check_file(data, archive=archive, progress=progress if with_progress else None)
    except FileError as error:
        job.file_error = str(error)
        return None
    _store_report(job, result)
    return result


def _store_report(job: OrganisationImport, result: CheckResult) -> None:
    job.total_lines = job.processed_lines = result.total
    job.valid_lines, job.error_lines = len(result.valid), len(result.errors)
    job.errors = [
        {"line": line, "messages": messages} for line, messages in result.errors[:MAX_STORED_ERRORS]
    ]


def _read(job: OrganisationImport) -> bytes:
    with job.file.open("rb") as handle:
        data: bytes = handle.read()
    return data


def organisation_import_validate(*, job: OrganisationImport) -> None:
    """Check every line (and the archive); the job ends `valid` or `invalid`, nothing
    imported."""
    if not job.claim(source=Status.PENDING, target=Status.VALIDATING):
        return
    try:
        with _documents(job) as archive:
            result = _check(job, archive, _read(job), with_progress=True)
    except ArchiveError as error:
        job.file_error, result = str(error), None
    job.status = Status.INVALID if result is None or result.errors else Status.VALID
    job.finished_at = timezone.now()
    job.save()


def organisation_import_execute(*, job: OrganisationImport) -> None:
    """Check the file again (the platform may have changed since: another import, a partner
    registered), then import in one transaction. If the lines valid now are not the ones the
    staff accepted, nothing is imported and the new report is shown."""
    if not job.claim(source=Status.IMPORT_PENDING, target=Status.IMPORTING):
        return
    accepted_errors = job.error_lines
    data = _read(job)
    if hashlib.sha256(data).hexdigest() != job.sha256:
        _refuse(job, ALTERED_MESSAGE)
        return
    try:
        with _documents(job) as archive:
            result = _check(job, archive, data, with_progress=False)
            if (
                result is None
                or len(result.errors) != accepted_errors
                or (job.mode == OrganisationImportMode.ALL and result.errors)
            ):
                _refuse(job, job.file_error or CHANGED_MESSAGE)
                return
            _import(job, result, archive)
    except (ArchiveError, DomainError) as error:
        _refuse(job, str(error))


def _import(job: OrganisationImport, result: CheckResult, archive: DocumentArchive | None) -> None:
    actor = job.imported_by
    if actor is None:  # the account was deleted since the request
        raise DomainError("La personne qui a demandé l'import n'a plus de compte : relancez-le.")
    with transaction.atomic():
        applied = apply_lines(
            result.valid, source=job, sha256=job.sha256, archive=archive, actor=actor
        )
        job.created_organisations = applied.created
        job.updated_organisations = applied.updated
        job.unchanged_organisations = applied.unchanged
        job.bank_differences = applied.bank_differences
        job.status = Status.IMPORTED
        job.finished_at = timezone.now()
        job.save()
        record(
            actor=actor,
            action="organisation_import.import",
            obj=job,
            after={
                "mode": job.mode,
                "sha256": job.sha256,
                "created": applied.created,
                "updated": applied.updated,
                "unchanged": applied.unchanged,
                "bank_differences": len(applied.bank_differences),
            },
        )


def organisation_import_now(
    *,
    data: bytes,
    name: str,
    result: CheckResult,
    archive: DocumentArchive | None,
    documents_name: str,
    mode: OrganisationImportMode,
    actor: User,
) -> OrganisationImport:
    """The command's import (manage.py import_organisations --apply), of a file it has just
    checked (`result`): recorded as an import job like the back office's, with its file, its
    report and its totals, so that the « Reprise des organismes » page lists it. All or
    nothing; refused while a line is wrong unless `mode` is VALID_ONLY."""
    if mode == OrganisationImportMode.ALL and result.errors:
        raise DomainError(
            f"{len(result.errors)} ligne(s) en erreur : rien n'a été importé (corrigez-les, ou "
            "importez seulement les lignes valides)."
        )
    if not result.valid:
        raise DomainError("Aucune ligne valide à importer.")
    job = OrganisationImport(
        original_name=name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        documents_name=documents_name[:255],
        status=Status.IMPORTING,
        mode=mode,
        created_by=actor,
        imported_by=actor,
    )
    _store_report(job, result)
    job.file.save("organismes.csv", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            job.save()
            record(
                actor=actor,
                action="organisation_import.upload",
                obj=job,
                after={"sha256": job.sha256, "documents": bool(documents_name), "command": True},
            )
            _import(job, result, archive)
    except BaseException:
        if job.file.name:  # the row was rolled back: its file goes too
            job.file.storage.delete(job.file.name)
        raise
    return job


def _refuse(job: OrganisationImport, message: str) -> None:
    """Nothing imported: the job shows the new report (or the reason) and can be checked
    again by uploading the file again."""
    job.status = Status.INVALID
    job.file_error = message
    job.finished_at = timezone.now()
    job.save()
