"""A process's heartbeat, refreshed from a background thread (its worker id is published in
passplus.core.worker_context while it beats)."""

from __future__ import annotations

import contextvars
import logging
import os
import socket
import threading
from types import TracebackType

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils.crypto import get_random_string

from passplus.core.worker_context import current_worker_id
from passplus.workers.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


class Heartbeat:
    """Register `worker_id` as alive and keep it so until `stop()` (or the end of a `with`).

    The thread uses its own database connection; a database error there is logged and the
    connection closed, so the next beat reconnects. If the row disappeared (pruned while the
    process was frozen), the next beat registers it again.
    """

    def __init__(
        self, *, worker_id: str = "", queues: str = "", interval: float | None = None
    ) -> None:
        self.worker_id = worker_id or f"process-{get_random_string(24)}"
        self.queues = queues
        self.interval = interval if interval is not None else settings.WORKER_HEARTBEAT_SECONDS
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._token: contextvars.Token[str] | None = None

    def _register(self) -> None:
        WorkerHeartbeat.register(
            worker_id=self.worker_id,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            queues=self.queues,
        )

    def start(self) -> Heartbeat:
        self._register()
        self._token = current_worker_id.set(self.worker_id)
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{self.worker_id}", daemon=True
        )
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stopping.wait(self.interval):
                try:
                    if not WorkerHeartbeat.beat(self.worker_id):
                        self._register()
                except DatabaseError:
                    logger.warning(
                        "Heartbeat of %s not recorded (database unreachable): retrying",
                        self.worker_id,
                        exc_info=True,
                    )
                    connection.close()
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        if self._token is not None:
            current_worker_id.reset(self._token)
            self._token = None
        try:
            WorkerHeartbeat.stop(self.worker_id)
        except DatabaseError:
            logger.warning("Could not record the stop of %s", self.worker_id, exc_info=True)

    def __enter__(self) -> Heartbeat:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
