"""Runs that do not meet the four-eyes rule of issue 16 §3 (a scheduler-built run is checked by
one finance person and approved by another; an approval names its approver).

- still `approved` (not transmitted): back to `draft`, approval cleared, with an audit event, so
  a finance person checks it and another approves it; nothing is faked as a check.
- already `sent` or `closed`: the transfers are at the bank; the run keeps its single approval,
  marked `approved_alone_before_check_step` (shown on its page) so reconciliation can finish.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Q

REASON = (
    "Approuvée sans deux agents des finances distincts enregistrés, avant la vérification "
    "obligatoire des campagnes constituées automatiquement : à vérifier (si constituée "
    "automatiquement) puis à approuver par un autre agent."
)


def single_approvals(apps: Any, schema_editor: Any) -> None:
    PaymentRun = apps.get_model("payments", "PaymentRun")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    alone = PaymentRun.objects.filter(status__in=["approved", "sent", "closed"]).filter(
        Q(approved_by__isnull=True) | Q(built_by__isnull=True, checked_by__isnull=True)
    )
    for run in alone.filter(status="approved"):
        PaymentRun.objects.filter(pk=run.pk).update(
            status="draft", approved_by=None, approved_at=None
        )
        AuditEvent.objects.create(
            actor=None,
            actor_label="système",
            action="payment_run.reopen",
            object_type="payments.paymentrun",
            object_id=str(run.pk),
            before={"status": "approved", "approved_by": run.approved_by_id},
            after={"status": "draft"},
            reason=REASON,
        )
    alone.filter(status__in=["sent", "closed"]).update(approved_alone_before_check_step=True)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("payments", "0002_run_checked_step"),
    ]

    operations = [migrations.RunPython(single_approvals, migrations.RunPython.noop)]
