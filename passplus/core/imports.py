"""What the two CSV imports share (the pupil import, passplus/pupils/import_jobs.py, and the
organisations' switch-over, passplus/organisations/models/imports.py): their states, their two
modes, and an abstract model with the fields and the moves both jobs make (a worker claiming a
step, a dead worker's job failed, a failed one restarted, the progress bar). Here, below both
apps, because organisations sits below pupils (docs/architecture.md) and neither may import
the other's.

Each concrete model keeps its own file field (its storage path), its counters of what it
created, its Meta (names, ordering, the status constraint) and its docstring."""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone

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


class ImportRun(models.Model):
    """One uploaded file checked line by line in the background, then imported (all lines, or
    explicitly only the valid ones) on a second, explicit request of the staff."""

    RUNNING = (
        ImportStatus.PENDING,
        ImportStatus.VALIDATING,
        ImportStatus.IMPORT_PENDING,
        ImportStatus.IMPORTING,
    )

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
    # [{"line": 12, "messages": ["..."]}, ...]
    errors = models.JSONField("erreurs", default=list, blank=True)
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        abstract = True

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
    def interrupt_all(cls, jobs: models.QuerySet[Self]) -> int:
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

    def restart(self) -> str | None:
        """Claim this failed job for its retry, in the caller's transaction: back to
        `import_pending` once the import was requested, else to `pending`, its file error and
        end cleared. Returns the step started again ("import" or "check"), or None when
        another request restarted it first."""
        step = self.retry_step
        target = ImportStatus.IMPORT_PENDING if step == "import" else ImportStatus.PENDING
        if not self.claim(source=ImportStatus.FAILED, target=target):
            return None
        type(self)._default_manager.filter(pk=self.pk).update(file_error="", finished_at=None)
        self.file_error, self.finished_at = "", None
        return step

    def claim(self, *, source: str, target: str) -> bool:
        """Move from `source` to `target` if no other worker did: True when this one won."""
        jobs = type(self)._default_manager.filter(pk=self.pk, status=source)
        won = jobs.update(status=target) == 1
        if won:
            self.status = target
        return won
