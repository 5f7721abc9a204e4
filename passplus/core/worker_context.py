"""What the current process is running, for work that records its owner (a payment run build
records which worker and task build it, so that recovery can tell a dead build from a live one).

Set by `manage.py worker` (passplus/workers); empty outside a worker."""

from __future__ import annotations

import contextvars

current_worker_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_worker_id", default=""
)
current_task_id: contextvars.ContextVar[str] = contextvars.ContextVar("current_task_id", default="")
