"""Background work of the payment cycle."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from passplus.core.tasks import retried_task
from passplus.payments.build import due_cut_offs, payment_run_build


@retried_task(queue_name="scheduled")
def payment_runs_build_due() -> dict[str, Any]:
    """Build the run of every past cut-off that has none (what is due is computed from the
    data, so a late or repeated call builds nothing twice). Returns {"built": n, "runs": [...]}.

    Enqueued by the scheduler; a worker that dies in the middle leaves nothing half-built (one
    transaction per run), and recovery re-queues it like any retried task."""
    built = [payment_run_build(cut_off=cut_off) for cut_off in due_cut_offs(timezone.now())]
    return {"built": len(built), "runs": [run.pk for run in built]}
