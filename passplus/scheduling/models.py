"""The scheduler's lease (one active scheduler at a time, on any database) and what each
periodic job last did (kept here, not in the task results, which are pruned)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone


class SchedulerLease(models.Model):
    """Who may enqueue the periodic jobs now. A scheduler takes the lease when it is free or
    expired and renews it while it runs; a second scheduler waits. Plain rows and conditional
    UPDATEs: this works on SQLite as on PostgreSQL, without Redis."""

    name = models.CharField(max_length=50, unique=True)
    holder = models.CharField("détenteur", max_length=200)
    acquired_at = models.DateTimeField("acquis le")
    expires_at = models.DateTimeField("expire le")

    class Meta:
        verbose_name = "verrou du planificateur"
        verbose_name_plural = "verrous du planificateur"

    def __str__(self) -> str:
        return f"{self.name} : {self.holder}"

    @classmethod
    def take(cls, *, name: str, holder: str, seconds: float) -> bool:
        """Take (or renew) the lease for `seconds`: True if `holder` has it now."""
        now = timezone.now()
        expires_at = now + dt.timedelta(seconds=seconds)
        free = Q(holder=holder) | Q(expires_at__lte=now)
        mine = Q(holder=holder)
        if cls.objects.filter(Q(name=name) & free & ~mine).update(
            holder=holder, acquired_at=now, expires_at=expires_at
        ):
            return True
        if cls.objects.filter(name=name, holder=holder).update(expires_at=expires_at):
            return True
        try:
            with transaction.atomic():
                cls.objects.create(name=name, holder=holder, acquired_at=now, expires_at=expires_at)
        except IntegrityError:
            return False  # another scheduler holds it (or took it a moment ago)
        return True

    @classmethod
    def renew(cls, *, name: str, holder: str, seconds: float) -> bool:
        """Extend the lease only if `holder` still has it (never steal it back)."""
        expires_at = timezone.now() + dt.timedelta(seconds=seconds)
        return bool(cls.objects.filter(name=name, holder=holder).update(expires_at=expires_at))

    @classmethod
    def release(cls, *, name: str, holder: str) -> None:
        cls.objects.filter(name=name, holder=holder).delete()

    @classmethod
    def active(cls, *, name: str) -> SchedulerLease | None:
        return cls.objects.filter(name=name, expires_at__gt=timezone.now()).first()


class JobOutcome(models.TextChoices):
    RUNNING = "running", "En cours"
    SUCCEEDED = "succeeded", "Réussie"
    FAILED = "failed", "Échec"


class JobState(models.Model):
    """The last run of one periodic job: when, how it ended, what it did (a short summary)."""

    job = models.CharField("tâche", max_length=50, unique=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField("commencée le", null=True, blank=True)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    outcome = models.CharField("résultat", max_length=10, choices=JobOutcome.choices, blank=True)
    summary = models.JSONField("bilan", default=dict, blank=True)
    error = models.CharField("erreur", max_length=300, blank=True)
    last_success_at = models.DateTimeField("dernière réussite", null=True, blank=True)

    class Meta:
        verbose_name = "état d'une tâche planifiée"
        verbose_name_plural = "états des tâches planifiées"
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["", *JobOutcome.values]), name="job_state_outcome_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.job} ({self.outcome or 'jamais lancée'})"
