"""The scheduler's lock, as django-crontask expects one (`extend`, raising its LockError when
the lock is lost), kept in the database so that it works on SQLite without Redis."""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any

from crontask.utils import LockNotOwnedError
from django.conf import settings
from django.db import close_old_connections, connection

from passplus.scheduling.models import SchedulerLease

LEASE_NAME = "scheduler"


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DatabaseLease:
    def __init__(self, holder: str | None = None, name: str = LEASE_NAME) -> None:
        self.name = name
        self.holder = holder or holder_name()

    def acquire(self) -> bool:
        return SchedulerLease.take(
            name=self.name, holder=self.holder, seconds=settings.SCHEDULER_LEASE_SECONDS
        )

    def extend(self, additional_time: Any = None, replace_ttl: bool = False) -> bool:
        """Called by crontask every LOCK_REFRESH_INTERVAL from a scheduler thread. Losing the
        lease (another scheduler took it after ours expired) stops this scheduler."""
        if not connection.in_atomic_block:  # a long-lived thread: drop a dead connection
            close_old_connections()
        seconds = additional_time or settings.SCHEDULER_LEASE_SECONDS
        if not SchedulerLease.renew(name=self.name, holder=self.holder, seconds=seconds):
            raise LockNotOwnedError("Le verrou du planificateur a été perdu.")
        return True

    def release(self) -> None:
        SchedulerLease.release(name=self.name, holder=self.holder)
