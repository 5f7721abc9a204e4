"""The bank's answer, one service per move and the only way to make it: one transfer paid
(`payment_mark_paid`), one transfer rejected (`payment_mark_rejected`), every pending transfer of
a run paid at once (`payment_run_mark_paid`, as a finance agent does when the bank's statement
shows the whole run executed).

Each locks the run first (the same order everywhere, so they wait for each other and never
deadlock), checks on what is stored, moves the transfers and their redemptions, queues the
organisations' e-mails and closes the run when no transfer is pending any more: all in one
transaction. A run pays thousands of organisations: the whole-run form moves the transfers,
their redemptions and their audit events in a handful of statements.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from passplus.audit.models import record_many
from passplus.core.errors import DomainError
from passplus.notifications.tasks import email_later
from passplus.organisations.bank_changes import MAY_CHANGE
from passplus.organisations.enums import BankAccountStatus
from passplus.payments.emails import send_remittance_advice
from passplus.payments.models import Payment, PaymentRun, PaymentRunStatus, PaymentStatus
from passplus.payments.services import already_done, close_if_settled, closed_already, locked
from passplus.tickets.models import Redemption, RedemptionStatus

if TYPE_CHECKING:
    from passplus.accounts.models import User

NOTHING_PENDING = "Aucun virement de cette campagne n'est en attente."
COUNTS_DIFFER = (
    "Contrôle de cohérence échoué : le nombre de tickets des virements ne correspond pas ; "
    "rien n'a été enregistré."
)
REASON_REQUIRED = "Indiquez le motif du rejet (par exemple « compte clos »)."
ALREADY = {
    PaymentStatus.PAID: "Virement déjà marqué payé",
    PaymentStatus.REJECTED: "Virement déjà marqué rejeté",
}


def _pending(payment: Payment) -> PaymentRun:
    """Lock `payment`'s run, re-read the transfer (every settlement holds that lock, so it
    cannot change meanwhile) and refuse unless it is pending in a run with the bank."""
    run = locked(payment.run)
    payment.refresh_from_db()
    if payment.status != PaymentStatus.PENDING:
        raise already_done(
            ALREADY[PaymentStatus(payment.status)],
            at=payment.settled_at,
            obj=payment,
            action=f"payment.{payment.status}",
        )
    run.check_reconcilable()
    return run


def _settle_redemptions(payment: Payment, to: str, reason: str = "") -> None:
    """Every ticket of the transfer follows it; a count that differs rolls everything back."""
    if payment.redemptions.settle(to, reason=reason) != payment.ticket_count:
        raise DomainError(COUNTS_DIFFER)


def payment_mark_paid(*, payment: Payment, actor: User) -> PaymentRun:
    """The bank executed the transfer: its redemptions reimbursed, the organisation's
    remittance advice queued, and the run closed if it was its last pending transfer. Returns
    the run as it now is. Refused with DomainError unless the transfer is pending in a run
    with the bank approved by a second person."""
    with transaction.atomic():
        run = _pending(payment)
        payment._move(
            PaymentStatus.PAID,
            allowed_from=[PaymentStatus.PENDING],
            actor=actor,
            action="payment.paid",
            changes={"settled_at": timezone.now()},
        )
        _settle_redemptions(payment, RedemptionStatus.REIMBURSED)
        send_remittance_advice.enqueue(payment_id=payment.pk)
        close_if_settled(run, actor=actor)
    return run


def payment_mark_rejected(*, payment: Payment, actor: User, reason: str) -> PaymentRun:
    """The bank returned the transfer: its redemptions rejected (paid again by the first run
    after new bank details are validated), the bank account flagged invalid, the organisation
    told why and what to do, and the run closed if it was its last pending transfer. Returns
    the run as it now is. Refused with DomainError without a reason, or as payment_mark_paid."""
    if not reason.strip():
        raise DomainError(REASON_REQUIRED)
    with transaction.atomic():
        run = _pending(payment)
        payment._move(
            PaymentStatus.REJECTED,
            allowed_from=[PaymentStatus.PENDING],
            actor=actor,
            action="payment.rejected",
            reason=reason,
            changes={"settled_at": timezone.now(), "rejection_reason": reason},
        )
        _settle_redemptions(payment, RedemptionStatus.REJECTED, reason=reason)
        # Its state now: the organisation may have had new details validated since.
        payment.bank_account.refresh_from_db(fields=["status"])
        if payment.bank_account.status == BankAccountStatus.VALIDATED:
            payment.bank_account.invalidate(actor=actor, reason=reason)
        _tell_rejected(payment, reason)
        close_if_settled(run, actor=actor)
    return run


def _tell_rejected(payment: Payment, reason: str) -> None:
    recipients = payment.organisation.notification_emails
    if recipients:
        email_later(
            to=recipients,
            subject=f"{settings.PASSPLUS_SCHEME_NAME} : virement rejeté par votre banque",
            body=render_to_string(
                "payments/emails/rejected.txt",
                {
                    "payment": payment,
                    "reason": reason,
                    "cut_off": timezone.localtime(payment.run.cut_off),
                    "scheme_name": settings.PASSPLUS_SCHEME_NAME,
                    "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
                    # One instruction: the partner's own bank-details page when it may use it.
                    "may_change_bank_details": payment.organisation.status in MAY_CHANGE,
                },
            ),
            about=f"payment-rejected:{payment.pk}",
        )


def payment_run_mark_paid(*, run: PaymentRun, actor: User) -> int:
    """The bank's statement shows the whole run executed: every pending transfer paid and its
    redemptions reimbursed, each organisation's remittance advice queued, and the run closed —
    all or nothing. Returns how many transfers were marked. Refused with DomainError, nothing
    written, unless the run is with the bank and was approved by a second person, or when a
    transfer's ticket count does not match."""
    with transaction.atomic():
        locked(run)
        if run.status == PaymentRunStatus.CLOSED:
            raise closed_already(run)
        # The run is locked: a transfer settled alone meanwhile waited for it, or is done.
        pending = list(
            run.payments.select_for_update().filter(status=PaymentStatus.PENDING).order_by("pk")
        )
        if not pending:
            raise DomainError(NOTHING_PENDING)
        run.check_reconcilable()
        expected = sum(payment.ticket_count for payment in pending)
        # Filtered by run and state rather than by a list of thousands of ids; the lock holds them.
        settled = Redemption.objects.filter(
            payment__run=run, payment__status=PaymentStatus.PENDING
        ).settle(RedemptionStatus.REIMBURSED)
        if settled != expected:
            raise DomainError(COUNTS_DIFFER)
        now = timezone.now()
        moved = Payment.objects.filter(run=run, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.PAID, settled_at=now
        )
        if moved != len(pending):
            raise DomainError(COUNTS_DIFFER)
        for payment in pending:
            payment.status, payment.settled_at = PaymentStatus.PAID, now
            send_remittance_advice.enqueue(payment_id=payment.pk)
        record_many(
            actor=actor,
            action="payment.paid",
            objects=list(pending),
            before={"status": PaymentStatus.PENDING},
            after={"status": PaymentStatus.PAID},
        )
        close_if_settled(run, actor=actor)
    return len(pending)
