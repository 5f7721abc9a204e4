"""Building a payment run: set-based, so a million redemptions move in a few statements.

One transaction: sum the payable redemptions per organisation (one GROUP BY), create one
payment per organisation (one bulk INSERT), move the redemptions into their payment (one
UPDATE), then check conservation from what was actually moved. Memory stays proportional to
the number of organisations, not of redemptions. Progress is a row in the database
(passplus/payments/progress.py), so every process's back office shows it while the run is built.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from passplus.audit.context import current_ip
from passplus.audit.models import AuditEvent, record
from passplus.core.errors import DomainError
from passplus.core.worker_context import current_task_id, current_worker_id
from passplus.organisations.models import BankAccount
from passplus.payments.awaiting import notify_awaiting
from passplus.payments.calendar import cut_offs_between
from passplus.payments.models import Payment, PaymentRun
from passplus.payments.progress import BuildProgress
from passplus.payments.services import notify_missing_bank_details
from passplus.tickets.models import Redemption, RedemptionStatus

if TYPE_CHECKING:
    from passplus.accounts.models import User

R = RedemptionStatus


def build_in_progress() -> list[BuildProgress]:
    """Runs being built right now, by any process (a worker, the command)."""
    return list(BuildProgress.objects.all())


def _start(cut_off: dt.datetime, started_at: dt.datetime) -> None:
    """Record the build and its owner before its transaction, so that other processes see it.
    A row left by a dead owner is removed by recovery; one left by a live build of the same
    cut-off stays (the unique cut-off decides who builds, below)."""
    try:
        with transaction.atomic():
            BuildProgress.objects.get_or_create(
                cut_off=cut_off,
                defaults={
                    "started_at": started_at,
                    "worker_id": current_worker_id.get(),
                    "task_id": current_task_id.get(),
                },
            )
    except IntegrityError:  # a concurrent build of the same cut-off recorded it first
        pass


def _publish(cut_off: dt.datetime, step: int) -> None:
    """Inside the build's transaction: this process sees each step at once; others see the
    first until the run is committed (one transaction; docs/decisions.md)."""
    BuildProgress.objects.filter(cut_off=cut_off).update(step=step + 1)


def _finish(cut_off: dt.datetime) -> None:
    BuildProgress.objects.filter(cut_off=cut_off).delete()


def due_cut_offs(now: dt.datetime) -> list[dt.datetime]:
    """Past cut-offs without a run, from the oldest redemption still waiting to be paid."""
    oldest = Redemption.objects.payable().aggregate(oldest=Min("entered_at"))["oldest"]
    if oldest is None:
        return []
    existing = set(PaymentRun.objects.values_list("cut_off", flat=True))
    return [cut_off for cut_off in cut_offs_between(oldest, now) if cut_off not in existing]


def end_to_end_id(cut_off: dt.datetime, organisation_id: int) -> str:
    """Unique per run (its cut-off, to the minute, in UTC) and organisation; 30 characters (the
    SEPA limit is 35): PASSPLUS-202611152300-00000042."""
    return f"PASSPLUS-{cut_off.astimezone(dt.UTC):%Y%m%d%H%M}-{organisation_id:08d}"


def payable_condition() -> Q:
    """Which redemptions a run pays, the cut-off aside: entered by an organisation with a
    validated account; a rejected one only once a newer account has been validated."""
    validated = BankAccount.objects.validated()
    newer_account = validated.filter(
        organisation_id=OuterRef("organisation_id"), reviewed_at__gt=OuterRef("status_changed_at")
    )
    return Q(status=R.ENTERED, organisation_id__in=validated.values("organisation_id")) | Q(
        Exists(newer_account), status=R.REJECTED
    )


def payable_before(cut_off: dt.datetime) -> QuerySet[Redemption]:
    """What a run with this cut-off pays (`payable_condition`, entered before the cut-off)."""
    return Redemption.objects.filter(entered_at__lt=cut_off).filter(payable_condition())


def payment_run_build(
    *, cut_off: dt.datetime, actor: User | None = None, exceptional_reason: str = ""
) -> PaymentRun:
    """Build the run of one cut-off: one payment per organisation with a validated account.
    An exceptional run (a finance user's, between two cut-offs) carries its reason.

    Building twice for the same cut-off returns the existing run and changes nothing (the
    unique cut-off is a database constraint). Conservation is checked before commit.
    """

    existing = PaymentRun.objects.filter(cut_off=cut_off).first()
    if existing is not None:
        return existing
    _start(cut_off, timezone.now())
    try:
        with transaction.atomic():
            run = PaymentRun.objects.create(
                cut_off=cut_off, built_by=actor, exceptional_reason=exceptional_reason
            )
            _fill_run(run, actor)
            notify_missing_bank_details(run)
            notify_awaiting(run)
    except IntegrityError:
        # Another process built the same cut-off at the same moment: theirs wins. Any other
        # constraint violation is a real error.
        concurrent = PaymentRun.objects.filter(cut_off=cut_off).first()
        if concurrent is None:
            raise
        return concurrent
    finally:
        _finish(cut_off)
    return run


def _fill_run(run: PaymentRun, actor: User | None) -> None:
    cut_off = run.cut_off
    _publish(cut_off, 0)
    payable = payable_before(cut_off)
    totals = list(
        payable.order_by()
        .values("organisation_id")
        .annotate(amount=Sum("amount_cents"), tickets=Count("pk"))
        .order_by("organisation_id")
    )
    _publish(cut_off, 1)
    accounts = {
        account.organisation_id: account
        for account in BankAccount.objects.validated().filter(
            organisation_id__in=[row["organisation_id"] for row in totals]
        )
    }
    payments = Payment.objects.bulk_create(
        Payment(
            run=run,
            organisation_id=row["organisation_id"],
            bank_account=accounts[row["organisation_id"]],
            holder=accounts[row["organisation_id"]].holder,
            iban=accounts[row["organisation_id"]].iban,
            bic=accounts[row["organisation_id"]].bic,
            amount_cents=row["amount"],
            ticket_count=row["tickets"],
            end_to_end_id=end_to_end_id(cut_off, row["organisation_id"]),
        )
        for row in totals
    )
    _publish(cut_off, 2)
    payment_of_organisation = Payment.objects.filter(
        run=run, organisation_id=OuterRef("organisation_id")
    ).values("pk")[:1]
    payable.update(
        status=R.IN_PAYMENT,
        payment=Subquery(payment_of_organisation),
        status_changed_at=timezone.now(),
        status_reason="",
    )
    _publish(cut_off, 3)
    _check_conservation(run, payments)
    _audit(run, payments, actor)


def _check_conservation(run: PaymentRun, payments: list[Payment]) -> None:
    """What each payment says = what was moved into it; otherwise the whole run rolls back
    (e.g. an entry cancelled between the sum and the move)."""
    moved = {
        row["payment_id"]: (row["amount"], row["tickets"])
        for row in Redemption.objects.filter(payment__run=run, status=R.IN_PAYMENT)
        .order_by()
        .values("payment_id")
        .annotate(amount=Sum("amount_cents"), tickets=Count("pk"))
    }
    expected = {payment.pk: (payment.amount_cents, payment.ticket_count) for payment in payments}
    if moved != expected:
        raise DomainError("Contrôle de cohérence échoué : la campagne n'a pas été créée.")


def _audit(run: PaymentRun, payments: list[Payment], actor: User | None) -> None:
    """One event per payment for the move of its redemptions (each redemption keeps its payment
    and the time of the move), one for the run."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=user,
            actor_label=getattr(user, "email", "") if user else "système",
            action="redemption.include_in_payment",
            object_type=Payment._meta.label_lower,
            object_id=str(payment.pk),
            before={"status": f"{R.ENTERED} | {R.REJECTED}"},
            after={
                "status": R.IN_PAYMENT,
                "redemptions": payment.ticket_count,
                "amount_cents": payment.amount_cents,
            },
            ip=current_ip.get(),
        )
        for payment in payments
    )
    record(
        actor=actor,
        action="payment_run.build",
        obj=run,
        after={
            "payments": len(payments),
            "total_cents": sum(payment.amount_cents for payment in payments),
        },
        reason=run.exceptional_reason,
    )
