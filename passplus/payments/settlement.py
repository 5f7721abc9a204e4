"""A run's pending transfers all marked paid at once, as a finance agent does when the bank's
statement shows the whole run executed.

A run pays thousands of organisations: the transfers, their redemptions and their audit
events move in a handful of statements, all or none (`Payment.mark_paid` is the one-transfer
form of the same change).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from passplus.audit.models import record_many
from passplus.core.errors import DomainError
from passplus.payments.models import Payment, PaymentRun, PaymentStatus
from passplus.tickets.models import Redemption

if TYPE_CHECKING:
    from passplus.accounts.models import User

NOTHING_PENDING = "Aucun virement de cette campagne n'est en attente."
COUNTS_DIFFER = (
    "Contrôle de cohérence échoué : le nombre de tickets des virements ne correspond pas ; "
    "rien n'a été enregistré."
)


def mark_run_paid(run: PaymentRun, *, actor: User) -> list[Payment]:
    """Mark every pending transfer of `run` paid and its redemptions reimbursed; return those
    transfers. Refused with DomainError, nothing written, unless the run is with the bank and
    was approved by a second person, or when a transfer's ticket count does not match."""
    with transaction.atomic():
        locked = PaymentRun.objects.select_for_update().get(pk=run.pk)
        # Locked: a transfer rejected or paid alone meanwhile waits for this one, then is refused.
        pending = list(
            locked.payments.select_for_update().filter(status=PaymentStatus.PENDING).order_by("pk")
        )
        if not pending:
            raise DomainError(NOTHING_PENDING)
        locked.check_reconcilable()
        expected = sum(payment.ticket_count for payment in pending)
        # Filtered by run and state rather than by a list of thousands of ids; the lock holds them.
        settled = Redemption.objects.filter(
            payment__run=locked, payment__status=PaymentStatus.PENDING
        ).settle("reimbursed")
        if settled != expected:
            raise DomainError(COUNTS_DIFFER)
        now = timezone.now()
        moved = Payment.objects.filter(run=locked, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.PAID, settled_at=now
        )
        if moved != len(pending):
            raise DomainError(COUNTS_DIFFER)
        for payment in pending:
            payment.status, payment.settled_at = PaymentStatus.PAID, now
        record_many(
            actor=actor,
            action="payment.paid",
            objects=list(pending),
            before={"status": PaymentStatus.PENDING},
            after={"status": PaymentStatus.PAID},
        )
    return pending
