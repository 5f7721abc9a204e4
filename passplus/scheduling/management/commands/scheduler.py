"""`manage.py scheduler`: the one process that enqueues the periodic jobs (passplus/scheduling).

django-crontask runs APScheduler with its signal handling and lock renewal; the lock is ours, in
the database (passplus/scheduling/lease.py), so a second scheduler started by mistake waits as a
standby instead of doubling anything, with SQLite as with PostgreSQL. At start, every job whose
time passed while no scheduler ran is enqueued once (each job computes what is due from the
data). `--catch-up-only` does only that and exits.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from crontask import scheduler
from crontask.management.commands.crontask import Command as CrontaskCommand
from django.conf import settings
from django.core.management.base import CommandParser
from django.db import close_old_connections
from django.utils import timezone

from passplus.scheduling.jobs import JOBS
from passplus.scheduling.lease import DatabaseLease
from passplus.scheduling.tasks import job_enqueue, jobs_catch_up

logger = logging.getLogger(__name__)


def enqueue_from_scheduler(job: str) -> None:
    """APScheduler calls this in one of its threads."""
    close_old_connections()
    try:
        result = job_enqueue(job)
        logger.info("Job %s %s", job, "enqueued" if result else "already waiting")
    finally:
        close_old_connections()


class Command(CrontaskCommand):  # type: ignore[misc]  # django-crontask has no type hints
    help = "Planificateur des tâches périodiques (un seul actif à la fois ; les autres attendent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--catch-up-only",
            action="store_true",
            help="Mettre en file les tâches en retard, puis s'arrêter.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        lease = DatabaseLease()
        if not lease.acquire():
            if options["catch_up_only"]:
                self.stderr.write("Un autre planificateur est actif : rien à faire.")
                return
            self.stdout.write("Un autre planificateur est actif : attente de son verrou…")
            while not lease.acquire():
                time.sleep(settings.SCHEDULER_LEASE_REFRESH_SECONDS)
        try:
            enqueued = jobs_catch_up(timezone.now())
            self.stdout.write(
                "Tâches en retard mises en file : " + (", ".join(enqueued) or "aucune") + "."
            )
            if options["catch_up_only"]:
                return
            zone = ZoneInfo(settings.TIME_ZONE)
            for job in JOBS:
                scheduler.add_job(
                    func=enqueue_from_scheduler,
                    args=(job.name,),
                    trigger=CronTrigger.from_crontab(job.schedule, timezone=zone),
                    name=job.name,
                    id=job.name,
                    replace_existing=True,
                    coalesce=True,
                )
                self.stdout.write(f"{job.label} : {job.schedule_label}")
            self.launch_scheduler(lease, scheduler)
        finally:
            lease.release()
