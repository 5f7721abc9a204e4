"""What the staff ask of a switch-over import (docs/switch-over.md): upload a file of
organisations (and its ZIP of documents), import it, or retry a failed step. Each enqueues the
task that does the work (passplus.organisations.tasks), in the same transaction. Modelled on
the pupil import (passplus.pupils.import_requests)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.core.request_size import megabytes
from passplus.organisations.models import (
    OrganisationImport,
    OrganisationImportMode,
    OrganisationImportStatus,
)
from passplus.organisations.tasks import organisation_import_check, organisation_import_run

if TYPE_CHECKING:
    from django.core.files import File

    from passplus.accounts.models import User

Status = OrganisationImportStatus
# The largest CSV file: 20,000 lines (checking.MAX_LINES) of about 1 KB.
MAX_FILE_BYTES = 20 * 1024 * 1024


def file_sha256(upload: File[Any]) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def organisation_import_upload(
    *, upload: File[Any], documents: File[Any] | None = None, actor: User
) -> OrganisationImport:
    """Store an uploaded file of organisations (and its optional archive of documents) as a
    new import and enqueue its check, audited, in one transaction. An empty or too large file
    or archive is refused before anything is stored; their content is judged by the check."""
    if not upload.size:
        raise DomainError("Le fichier est vide.")
    if upload.size > MAX_FILE_BYTES:
        raise DomainError(f"Le fichier dépasse {megabytes(MAX_FILE_BYTES)} : découpez-le.")
    if documents is not None:
        limit = settings.PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES
        if not documents.size:
            raise DomainError("L'archive des documents est vide.")
        if documents.size > limit:
            raise DomainError(
                f"L'archive des documents dépasse {megabytes(limit)} : répartissez les "
                "organismes en plusieurs fichiers, chacun avec son archive."
            )
    sha256 = file_sha256(upload)
    with transaction.atomic():
        job = OrganisationImport(
            original_name=(upload.name or "")[:255],
            sha256=sha256,
            created_by=actor,
        )
        job.file.save("organismes.csv", upload, save=False)
        if documents is not None:
            job.documents_name = (documents.name or "")[:255]
            job.documents.save("documents.zip", documents, save=False)
        job.save()
        record(
            actor=actor,
            action="organisation_import.upload",
            obj=job,
            after={"sha256": sha256, "documents": bool(documents)},
        )
        organisation_import_check.enqueue(job_id=job.pk)
    return job


def organisation_import_request(
    *, job: OrganisationImport, mode: OrganisationImportMode | str, actor: User
) -> None:
    """Staff confirm the import: every line (the file must be valid) or, explicitly, only the
    valid lines (the errors stay in the report). Enqueues the import in the same transaction."""
    if mode not in OrganisationImportMode.values:
        raise DomainError("Choix d'import inconnu.")
    if job.status == Status.FAILED:
        raise DomainError("Cette reprise a échoué : relancez-la avec le bouton « Relancer ».")
    if job.is_running:
        raise DomainError("Cette reprise est déjà en cours.")
    if job.status == Status.IMPORTED:
        raise DomainError("Cette reprise a déjà été importée.")
    if mode == OrganisationImportMode.ALL and job.status != Status.VALID:
        raise DomainError(
            "Le fichier contient des erreurs : rien ne peut être importé tant qu'elles ne sont "
            "pas corrigées, sauf en important seulement les lignes valides."
        )
    if mode == OrganisationImportMode.VALID_ONLY and not (
        job.status == Status.VALID
        or (job.status == Status.INVALID and not job.file_error and job.valid_lines)
    ):
        raise DomainError("Aucune ligne valide à importer.")
    with transaction.atomic():
        if not job.claim(source=job.status, target=Status.IMPORT_PENDING):
            raise DomainError("Cette reprise a déjà été lancée.")
        job.mode, job.imported_by = str(mode), actor
        job.save(update_fields=["mode", "imported_by"])
        record(
            actor=actor, action="organisation_import.request", obj=job, after={"mode": str(mode)}
        )
        organisation_import_run.enqueue(job_id=job.pk)


def organisation_import_retry(*, job: OrganisationImport, actor: User) -> str:
    """Start a failed job's step again (its worker died, or an unexpected error): the import if
    it had been requested, otherwise the check. Idempotent: the import is one transaction, so a
    failed one left nothing behind, and the same file gives the same totals. Returns the step
    ("import" or "check")."""
    if job.status != Status.FAILED:
        raise DomainError("Seule une reprise en échec peut être relancée.")
    with transaction.atomic():
        step = job.restart()
        if step is None:
            raise DomainError("Cette reprise a déjà été relancée.")
        record(
            actor=actor,
            action="organisation_import.retry",
            obj=job,
            before={"status": Status.FAILED.value},
            after={"status": job.status},
        )
        task = organisation_import_run if step == "import" else organisation_import_check
        task.enqueue(job_id=job.pk)
    return step
