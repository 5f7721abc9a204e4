"""A pupil CSV import (ImportJob) and where its file is stored; its states, its modes and what
it shares with the organisations' switch-over are in passplus/core/imports.py (its stored errors
are capped at MAX_STORED_ERRORS lines). The check and the import themselves are in
passplus/pupils/services.py, run by passplus/pupils/tasks.py; the staff's requests are in
passplus/pupils/import_requests.py.

Kept out of models.py for length; models.py imports it so that Django registers the model. The
school year is referred to by name, not imported, so this module never imports models.py and no
import cycle can arise whichever of the two is imported first."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from passplus.core.imports import ImportMode, ImportRun, ImportStatus

# Importable from here as before (the pupil import's states, docs/design.md).
__all__ = ["ImportJob", "ImportMode", "ImportStatus", "import_upload_path"]


def import_upload_path(instance: ImportJob, filename: str) -> str:
    """Private storage (MEDIA is never served): a random name, never the uploaded one."""
    return f"imports/pupils/{uuid.uuid4().hex}.csv"


class ImportJob(ImportRun):
    """One pupil CSV file: checked line by line in the background, then imported (all lines,
    or explicitly only the valid ones) on a second, explicit request of the staff."""

    school_year = models.ForeignKey(
        "campaigns.SchoolYear",
        on_delete=models.PROTECT,
        related_name="import_jobs",
        verbose_name="année scolaire",
    )
    file = models.FileField("fichier", upload_to=import_upload_path)
    created_families = models.PositiveIntegerField("familles créées", default=0)
    created_pupils = models.PositiveIntegerField("collégiens créés", default=0)
    renewed_pupils = models.PositiveIntegerField("collégiens renouvelés", default=0)
    created_wallets = models.PositiveIntegerField("crédits créés", default=0)

    class Meta:
        verbose_name = "import de collégiens"
        verbose_name_plural = "imports de collégiens"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="import_job_status_valid"
            ),
        ]

    @classmethod
    def interrupt(cls, *, job_id: int) -> bool:
        """The worker checking or importing this job died (recovery): nothing was imported (the
        import is one transaction). True if the job was still running and is now failed."""
        return bool(cls.interrupt_all(cls.objects.filter(pk=job_id)))
