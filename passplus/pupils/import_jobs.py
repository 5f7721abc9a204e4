"""A pupil CSV import (ImportJob), its states and modes, and where its file is stored. The
check and the import themselves are in passplus/pupils/services.py, run by
passplus/pupils/tasks.py; the staff's requests are in passplus/pupils/import_requests.py.

Kept out of models.py for length; models.py imports it so that Django registers the model. The
school year is referred to by name, not imported, so this module never imports models.py and no
import cycle can arise whichever of the two is imported first."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def import_upload_path(instance: ImportJob, filename: str) -> str:
    """Private storage (MEDIA is never served): a random name, never the uploaded one."""
    return f"imports/pupils/{uuid.uuid4().hex}.csv"


INTERRUPTED_MESSAGE = (
    "Le traitement a été interrompu (arrêt du serveur de tâches) : rien n'a été importé. "
    "Vous pouvez le relancer."
)


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Vérification en attente"
    VALIDATING = "validating", "Vérification en cours"
    VALID = "valid", "Prêt à importer"
    INVALID = "invalid", "Erreurs à corriger"
    IMPORT_PENDING = "import_pending", "Import en attente"
    IMPORTING = "importing", "Import en cours"
    IMPORTED = "imported", "Importé"
    FAILED = "failed", "Échec"


class ImportMode(models.TextChoices):
    ALL = "all", "Toutes les lignes"
    VALID_ONLY = "valid_only", "Seulement les lignes valides"


class ImportJob(models.Model):
    """One pupil CSV file: checked line by line in the background, then imported (all lines,
    or explicitly only the valid ones) on a second, explicit request of the staff."""

    RUNNING = (
        ImportStatus.PENDING,
        ImportStatus.VALIDATING,
        ImportStatus.IMPORT_PENDING,
        ImportStatus.IMPORTING,
    )

    school_year = models.ForeignKey(
        "campaigns.SchoolYear",
        on_delete=models.PROTECT,
        related_name="import_jobs",
        verbose_name="année scolaire",
    )
    file = models.FileField("fichier", upload_to=import_upload_path)
    original_name = models.CharField("nom du fichier", max_length=255)
    status = models.CharField(
        "état", max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    mode = models.CharField(
        "lignes importées", max_length=12, choices=ImportMode.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total_lines = models.PositiveIntegerField("lignes", default=0)
    processed_lines = models.PositiveIntegerField("lignes vérifiées", default=0)
    valid_lines = models.PositiveIntegerField("lignes valides", default=0)
    error_lines = models.PositiveIntegerField("lignes en erreur", default=0)
    file_error = models.TextField("erreur sur le fichier", blank=True)
    # [{"line": 12, "messages": ["..."]}, ...], capped at MAX_STORED_ERRORS lines.
    errors = models.JSONField("erreurs", default=list, blank=True)
    created_families = models.PositiveIntegerField("familles créées", default=0)
    created_pupils = models.PositiveIntegerField("collégiens créés", default=0)
    renewed_pupils = models.PositiveIntegerField("collégiens renouvelés", default=0)
    created_wallets = models.PositiveIntegerField("crédits créés", default=0)
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "import de collégiens"
        verbose_name_plural = "imports de collégiens"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="import_job_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def progress_percent(self) -> int:
        if not self.total_lines:
            return 0
        return min(100, self.processed_lines * 100 // self.total_lines)

    @classmethod
    def interrupt(cls, *, job_id: int) -> bool:
        """The worker checking or importing this job died (recovery): nothing was imported (the
        import is one transaction). True if the job was still running and is now failed."""
        return bool(cls.interrupt_all(cls.objects.filter(pk=job_id)))

    @classmethod
    def interrupt_all(cls, jobs: models.QuerySet[ImportJob]) -> int:
        """Fail those of `jobs` still running, as interrupted (one conditional UPDATE)."""
        return jobs.filter(status__in=cls.RUNNING).update(
            status=ImportStatus.FAILED,
            file_error=INTERRUPTED_MESSAGE,
            finished_at=timezone.now(),
        )

    @property
    def retry_step(self) -> str:
        """What a retry of this failed job starts again: the import once it was requested
        (its mode is chosen), otherwise the check."""
        return "import" if self.mode else "check"

    def claim(self, *, source: str, target: str) -> bool:
        """Move from `source` to `target` if no other worker did: True when this one won."""
        won = ImportJob.objects.filter(pk=self.pk, status=source).update(status=target) == 1
        if won:
            self.status = target
        return won
