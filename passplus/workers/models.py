"""Task workers' heartbeats: a lease that says which workers are alive.

A worker (`manage.py worker`) registers a row when it starts, refreshes `last_seen_at` every
WORKER_HEARTBEAT_SECONDS from a thread, and sets `stopped_at` on a clean exit. A worker not seen
for WORKER_LEASE_SECONDS (killed, machine lost, frozen) is dead: recovery
(passplus/workers/recovery.py) fails or re-queues what it was running.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class WorkerHeartbeatQuerySet(models.QuerySet["WorkerHeartbeat"]):
    def alive(self, now: dt.datetime | None = None) -> WorkerHeartbeatQuerySet:
        """Seen within the lease and not stopped."""
        now = now or timezone.now()
        seen_since = now - dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS)
        return self.filter(stopped_at__isnull=True, last_seen_at__gte=seen_since)


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField("identifiant", max_length=64, unique=True)
    hostname = models.CharField("machine", max_length=255)
    pid = models.PositiveIntegerField("processus")
    queues = models.CharField("files", max_length=255, blank=True)
    started_at = models.DateTimeField("démarré le")
    last_seen_at = models.DateTimeField("vu le")
    stopped_at = models.DateTimeField("arrêté le", null=True, blank=True)

    objects = WorkerHeartbeatQuerySet.as_manager()

    class Meta:
        verbose_name = "processus de traitement"
        verbose_name_plural = "processus de traitement"
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"

    @classmethod
    def register(cls, *, worker_id: str, hostname: str, pid: int, queues: str) -> WorkerHeartbeat:
        now = timezone.now()
        heartbeat, _created = cls.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": hostname[:255],
                "pid": pid,
                "queues": queues[:255],
                "started_at": now,
                "last_seen_at": now,
                "stopped_at": None,
            },
        )
        return heartbeat

    @classmethod
    def beat(cls, worker_id: str) -> bool:
        """Refresh the lease; False if the row is gone (pruned) or the worker was stopped."""
        return bool(
            cls.objects.filter(worker_id=worker_id, stopped_at__isnull=True).update(
                last_seen_at=timezone.now()
            )
        )

    @classmethod
    def stop(cls, worker_id: str) -> None:
        cls.objects.filter(worker_id=worker_id, stopped_at__isnull=True).update(
            stopped_at=timezone.now()
        )
