"""What the staff ask of a pupil import: upload a file, confirm it, or retry a failed step.
Each enqueues the task that does the work (passplus.pupils.tasks), in the same transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.core.request_size import megabytes
from passplus.pupils.models import ImportJob, ImportMode, ImportStatus
from passplus.pupils.tasks import import_job_check, import_job_run

if TYPE_CHECKING:
    from django.core.files import File

    from passplus.accounts.models import User
    from passplus.campaigns.models import SchoolYear


def import_job_upload(*, school_year: SchoolYear, upload: File[Any], actor: User) -> ImportJob:
    """Store an uploaded pupil file as a new import of `school_year` and enqueue its check,
    audited, in one transaction. An empty file, or one over PASSPLUS_PUPIL_IMPORT_MAX_BYTES, is
    refused before anything is stored."""
    limit = settings.PASSPLUS_PUPIL_IMPORT_MAX_BYTES
    if not upload.size:
        raise DomainError("Le fichier est vide.")
    if upload.size > limit:
        raise DomainError(f"Le fichier dépasse {megabytes(limit)} : découpez-le.")
    with transaction.atomic():
        job = ImportJob(
            school_year=school_year,
            original_name=(upload.name or "")[:255],
            created_by=actor,
        )
        job.file.save("import.csv", upload, save=False)
        job.save()
        record(actor=actor, action="pupil_import.upload", obj=job)
        import_job_check.enqueue(job_id=job.pk)
    return job


def import_job_request(*, job: ImportJob, mode: str, actor: User) -> None:
    """Staff confirm the import: every line (the file must be valid) or, explicitly, only the
    valid lines. Enqueues the import in the same transaction."""
    if job.status == ImportStatus.FAILED:
        raise DomainError("Cet import a échoué : relancez-le avec le bouton « Relancer ».")
    if job.is_running:
        raise DomainError("Cet import est déjà en cours.")
    if job.status == ImportStatus.IMPORTED:
        raise DomainError("Cet import a déjà été lancé.")
    if mode == ImportMode.ALL and job.status != ImportStatus.VALID:
        raise DomainError("Le fichier contient des erreurs : rien ne peut être importé ainsi.")
    if mode == ImportMode.VALID_ONLY and not (
        job.status == ImportStatus.INVALID and not job.file_error and job.valid_lines
    ):
        raise DomainError("Aucune ligne valide à importer.")
    with transaction.atomic():
        if not job.claim(source=job.status, target=ImportStatus.IMPORT_PENDING):
            raise DomainError("Cet import a déjà été lancé.")
        job.mode, job.imported_by = mode, actor
        job.save(update_fields=["mode", "imported_by"])
        record(actor=actor, action="pupil_import.request", obj=job, after={"mode": mode})
        import_job_run.enqueue(job_id=job.pk)


def import_job_retry(*, job: ImportJob, actor: User) -> str:
    """Start a failed job's step again (its worker died, or an unexpected error): the import if
    it had been requested, otherwise the check. Idempotent: the import is one transaction, so a
    failed one left nothing behind, and the same file gives the same totals. Returns the step."""
    if job.status != ImportStatus.FAILED:
        raise DomainError("Seul un import en échec peut être relancé.")
    with transaction.atomic():
        step = job.restart()
        if step is None:
            raise DomainError("Cet import a déjà été relancé.")
        record(
            actor=actor,
            action="pupil_import.retry",
            obj=job,
            before={"status": ImportStatus.FAILED},
            after={"status": job.status},
        )
        (import_job_run if step == "import" else import_job_check).enqueue(job_id=job.pk)
    return step
