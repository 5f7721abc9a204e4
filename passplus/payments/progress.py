"""Payment runs on their way. `BuildProgress`: runs being built right now, one row per cut-off,
in the database so that every process (web servers, workers) sees it, with the embedded SQLite
default too. `PreparationRequest`: the last "Préparer la campagne maintenant", the row every
request locks before its checks (passplus/payments/preparation.py).

A row names its owner (the worker id and task id, from passplus.core.worker_context): if that
worker dies, recovery (passplus/workers/recovery.py) deletes the row; the build's transaction
was rolled back with the process, and building the cut-off again is idempotent. Kept out of
models.py for length; models.py imports it so that Django registers the model."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet

STEPS = (
    "Recherche des saisies à rembourser",
    "Création des virements",
    "Mise en paiement des saisies",
    "Contrôle de cohérence",
)


class BuildProgressQuerySet(models.QuerySet["BuildProgress"]):
    def orphaned(self, alive_worker_ids: QuerySet[Any, Any]) -> BuildProgressQuerySet:
        """Rows whose owner is not among `alive_worker_ids` (a subquery of the live workers'
        ids, so that a conditional DELETE judges them at the moment it runs); a row without an
        owner (built outside a worker, that cannot be told alive) is orphaned too."""
        return self.exclude(worker_id__in=alive_worker_ids)


class BuildProgress(models.Model):
    cut_off = models.DateTimeField("date de coupure", unique=True)
    step = models.PositiveSmallIntegerField("étape", default=1)
    started_at = models.DateTimeField("commencée le")
    worker_id = models.CharField("processus de traitement", max_length=64, blank=True)
    task_id = models.CharField("tâche", max_length=64, blank=True)

    objects = BuildProgressQuerySet.as_manager()

    class Meta:
        verbose_name = "construction de campagne en cours"
        verbose_name_plural = "constructions de campagnes en cours"
        ordering = ["cut_off"]

    def __str__(self) -> str:
        return f"{self.cut_off:%Y-%m-%d %H:%M} ({self.step}/{self.total_steps})"

    @property
    def label(self) -> str:
        return STEPS[self.step - 1]

    @property
    def total_steps(self) -> int:
        return len(STEPS)


class PreparationRequest(models.Model):
    """The last run asked for from the pages, and by whom: one row (id 1). Every request locks
    it before checking that nothing is being prepared, and the one that queues a build rewrites
    it in the same transaction, so two finance users clicking together are served one after the
    other and the second is told who asked first, and when."""

    ONE = 1

    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="demandée par",
    )
    asked_at = models.DateTimeField("demandée le", null=True, blank=True)
    cut_off = models.DateTimeField("date de coupure", null=True, blank=True)

    class Meta:
        verbose_name = "dernière demande de campagne"
        verbose_name_plural = "dernières demandes de campagne"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="payment_preparation_request_one_row")
        ]

    def __str__(self) -> str:
        return f"{self.asked_by} {self.asked_at}"

    @staticmethod
    def locked() -> PreparationRequest:
        """The row, created if missing, under a row lock held until the caller's transaction
        ends. Created with INSERT … ON CONFLICT DO NOTHING: two first requests at once do not
        fail on the primary key, the second waits for the first's lock."""
        rows = PreparationRequest.objects
        rows.bulk_create([PreparationRequest(pk=PreparationRequest.ONE)], ignore_conflicts=True)
        return rows.select_for_update().get(pk=PreparationRequest.ONE)
