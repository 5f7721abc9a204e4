"""What the current request is, for every log line written while it is served, and for the
tasks it enqueues (passplus/core/task_backend.py): its request id.

The id comes from the front proxy's `X-Request-ID` header when it has a sane form, else it is
made here; it is sent back in the response's `X-Request-ID` and shown on error pages, so that a
caller can quote it and the operations team can find every line of that request and its tasks.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_request_id", default=""
)

# What a proxy may send: letters, digits, dots, dashes, underscores (uuid4, nginx's $request_id).
RECEIVED_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id_from(header: str | None) -> str:
    """The proxy's id when it is well formed, else a new one."""
    if header and RECEIVED_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Gives every record the current request id (empty outside a request or its tasks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True
