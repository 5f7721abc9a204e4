"""`manage.py worker`: django_tasks_db's `db_worker` (same options) with a heartbeat, and a
loop that survives a database outage instead of exiting.

- The heartbeat (passplus/workers/heartbeat.py) is registered when the worker starts, refreshed
  from a thread, and marked stopped on a clean exit; recovery judges workers by it.
- A connection error in the loop (server restarted, connection cut) is logged, every connection
  is closed, and the loop starts again after a back-off doubling up to
  WORKER_RECONNECT_MAX_SECONDS. A task whose end could not be recorded then is failed (or
  re-queued) at once by recovery rather than left running under a live worker.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from passplus.core.worker_context import current_task_id
from passplus.workers.heartbeat import Heartbeat
from passplus.workers.recovery import recover_tasks_of_worker
from passplus.workers.task_log import task_logged

logger = logging.getLogger("passplus.workers")


class ResilientWorker(db_worker.Worker):
    def run(self) -> None:
        heartbeat = Heartbeat(worker_id=self.worker_id, queues=",".join(self.queue_names))
        # Started inside the try: a stop signal (SystemExit from the library's handler) may
        # arrive right after the heartbeat is registered, and it must still be marked stopped.
        try:
            self._start_heartbeat(heartbeat)
            # A fixed --worker-id (systemd's %H-%i) comes back after a crash under the same id,
            # alive again: what the previous process left running is recovered now.
            self._recover_own_tasks()
            self._run_until_stopped()
        finally:
            heartbeat.stop()
            logger.info("Worker %s stopped", self.worker_id)

    def _start_heartbeat(self, heartbeat: Heartbeat) -> None:
        delay = 1.0
        while True:
            try:
                heartbeat.start()
                return
            except (OperationalError, InterfaceError) as error:
                delay = self._wait_for_database(error, delay)

    def _run_until_stopped(self) -> None:
        delay = 1.0
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # batch mode or max tasks reached
            except (OperationalError, InterfaceError) as error:
                if time.monotonic() - started > settings.WORKER_RECONNECT_MAX_SECONDS:
                    delay = 1.0  # it ran a while: a new outage starts from a short wait
                delay = self._wait_for_database(error, delay)
                self._recover_own_tasks()

    def _wait_for_database(self, error: Exception, delay: float) -> float:
        logger.error(
            "Worker %s lost the database (%s): reconnecting in %.0f s",
            self.worker_id,
            str(error).strip() or type(error).__name__,
            delay,
        )
        connections.close_all()
        time.sleep(delay)
        return min(delay * 2, float(settings.WORKER_RECONNECT_MAX_SECONDS))

    def _recover_own_tasks(self) -> None:
        """Tasks this worker claimed but could not finish recording (the connection broke in
        the middle): nothing of ours runs now, so they are failed or re-queued now."""

        try:
            recover_tasks_of_worker(self.worker_id)
        except (OperationalError, InterfaceError):
            connections.close_all()  # still down: the next loop waits again, then retries

    def run_task(self, db_task_result: DBTaskResult[..., Any]) -> None:
        token = current_task_id.set(str(db_task_result.pk))
        try:
            with task_logged(db_task_result):
                super().run_task(db_task_result)
        finally:
            current_task_id.reset(token)


class Command(db_worker.Command):
    help = (
        "Run a database background worker with a heartbeat (passplus/workers), reconnecting "
        "when the database goes away"
    )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be specified together: no autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
