"""The payment tasks a worker runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model

from passplus.core.tasks import retried_task
from passplus.payments.build import payable_before, payment_run_build
from passplus.payments.models import PaymentRun


@retried_task(queue_name="default")
def payment_run_prepare_task(
    *, cut_off: str, actor_id: int, exceptional_reason: str = ""
) -> dict[str, Any]:
    """Build the run a finance user asked for. Run twice (a worker died and it was re-queued),
    it builds nothing more: a cut-off has one run."""
    when = dt.datetime.fromisoformat(cut_off)
    existing = PaymentRun.objects.filter(cut_off=when).first()
    if existing is not None:
        return {"run": existing.pk}
    if exceptional_reason and not payable_before(when).exists():
        return {"run": None}  # another run took these entries meanwhile: nothing to pay
    actor = get_user_model().objects.get(pk=actor_id)
    run = payment_run_build(cut_off=when, actor=actor, exceptional_reason=exceptional_reason)
    return {"run": run.pk}
