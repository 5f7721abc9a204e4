"""Prometheus metrics counted by the process that does the work (docs/operations-metrics.md).

Requests, ticket look-ups and SMS are counted where they happen: a gunicorn worker, a task
worker. With `PROMETHEUS_MULTIPROC_DIR` set (production), prometheus_client keeps each process's
counts in a file of that directory and the endpoint adds the files up (`core.metrics_files`);
without it (development, tests) they stay in this process's default registry. What the database
already knows (tasks by state, redemptions, look-up blocks, payment runs) is not counted here:
`www.public.metrics` reads it at each scrape, so it is right whatever process changed it.

Labels take values from short fixed lists (a view's name, never its path), so the number of
series stays bounded whatever the requests. Counting never breaks the work it counts: an error
of the metrics is logged and forgotten.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from prometheus_client import Counter, Histogram

logger = logging.getLogger(__name__)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

# A task worker may start before the web server that would have created the directory (a
# fresh /run after a reboot): whoever counts first makes it.
if os.environ.get(MULTIPROCESS_ENV):
    Path(os.environ[MULTIPROCESS_ENV]).mkdir(parents=True, exist_ok=True)

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# From a cached page (a few ms) to a large export or import (tens of seconds).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

HTTP_REQUESTS = Counter(
    "passplus_http_requests_total",
    "Requests answered, by view name (the URL pattern's, not the path), method and status.",
    ["view", "method", "status"],
)
HTTP_DURATION = Histogram(
    "passplus_http_request_duration_seconds",
    "Time to answer a request, by view name, from the first middleware to the response.",
    ["view"],
    buckets=DURATION_BUCKETS,
)
TICKET_LOOKUPS = Counter(
    "passplus_ticket_lookups_total",
    "Ticket look-ups by partners, by outcome: found, not_found, blocked (refused because the "
    "organisation or the address is blocked for guessing).",
    ["outcome"],
)
SMS_MESSAGES = Counter(
    "passplus_sms_messages_total",
    "SMS handed to the SMS backend, by outcome: sent, failed (the provider refused or could "
    "not be reached; the task retries), dropped (no longer valid when its turn came).",
    ["outcome"],
)

LOOKUP_OUTCOMES = frozenset({"found", "not_found", "blocked"})
SMS_OUTCOMES = frozenset({"sent", "failed", "dropped"})


def multiprocess_directory() -> Path | None:
    """Where the processes of this host keep their counts (None: counted in this process)."""
    value = os.environ.get(MULTIPROCESS_ENV)
    return Path(value) if value else None


def http_request_observe(*, view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in HTTP_METHODS else "other"
    try:
        HTTP_REQUESTS.labels(view=view, method=method, status=str(status)).inc()
        HTTP_DURATION.labels(view=view).observe(seconds)
    except Exception:
        logger.exception("Request metrics not recorded")


def ticket_lookup_count(outcome: str) -> None:
    if outcome not in LOOKUP_OUTCOMES:
        raise ValueError(f"unknown look-up outcome {outcome!r}")
    try:
        TICKET_LOOKUPS.labels(outcome=outcome).inc()
    except Exception:
        logger.exception("Look-up metrics not recorded")


def sms_count(outcome: str) -> None:
    if outcome not in SMS_OUTCOMES:
        raise ValueError(f"unknown SMS outcome {outcome!r}")
    try:
        SMS_MESSAGES.labels(outcome=outcome).inc()
    except Exception:
        logger.exception("SMS metrics not recorded")
