"""Building a payment run: set-based, so a million redemptions move in a few statements.

One transaction: sum the payable redemptions per organisation (one GROUP BY), create one
payment per organisation (one bulk INSERT), move the redemptions into their payment (one
UPDATE), then check conservation from what was actually moved. Memory stays proportional to
the number of organisations, not of redemptions. Progress is published in the cache (shared by
every process when Redis is configured) so the back office can show it while the run is built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from passplus.audit.models import AuditEvent, current_ip, record
from passplus.core.errors import DomainError
from passplus.organisations.models import BankAccount
from passplus.payments.models import Payment, PaymentRun
from passplus.tickets.models import Redemption, RedemptionStatus

R = RedemptionStatus
PROGRESS_KEY = "payment-run-build:{cut_off}"
PROGRESS_TTL_SECONDS = 60 * 60
STEPS = (
    "Recherche des saisies à rembourser",
    "Création des virements",
    "Mise en paiement des saisies",
    "Contrôle de cohérence",
)


@dataclass(frozen=True)
class BuildProgress:
    cut_off: dt.datetime
    step: int
    label: str
    started_at: dt.datetime

    @property
    def total_steps(self) -> int:
        return len(STEPS)


def build_in_progress() -> list[BuildProgress]:
    """Runs being built right now (by the daily command, possibly in another process)."""
    keys = cache.get("payment-run-build:keys") or []
    found = [cache.get(key) for key in keys]
    return [item for item in found if isinstance(item, BuildProgress)]


def _publish(cut_off: dt.datetime, step: int, started_at: dt.datetime) -> None:
    key = PROGRESS_KEY.format(cut_off=cut_off.isoformat())
    cache.set(key, BuildProgress(cut_off, step + 1, STEPS[step], started_at), PROGRESS_TTL_SECONDS)
    keys = set(cache.get("payment-run-build:keys") or []) | {key}
    cache.set("payment-run-build:keys", sorted(keys), PROGRESS_TTL_SECONDS)


def _finish(cut_off: dt.datetime) -> None:
    key = PROGRESS_KEY.format(cut_off=cut_off.isoformat())
    cache.delete(key)
    keys = set(cache.get("payment-run-build:keys") or []) - {key}
    cache.set("payment-run-build:keys", sorted(keys), PROGRESS_TTL_SECONDS)


def end_to_end_id(cut_off: dt.datetime, organisation_id: int) -> str:
    """Unique per run (its cut-off, to the minute, in UTC) and organisation; 30 characters (the
    SEPA limit is 35): PASSPLUS-202611152300-00000042."""
    return f"PASSPLUS-{cut_off.astimezone(dt.UTC):%Y%m%d%H%M}-{organisation_id:08d}"


def payable_before(cut_off: dt.datetime) -> QuerySet[Redemption]:
    """What a run with this cut-off pays: entered before the cut-off by an organisation with a
    validated account; a rejected redemption only once a newer account has been validated."""
    validated = BankAccount.objects.validated()
    newer_account = validated.filter(
        organisation_id=OuterRef("organisation_id"), reviewed_at__gt=OuterRef("status_changed_at")
    )
    return Redemption.objects.filter(entered_at__lt=cut_off).filter(
        Q(status=R.ENTERED, organisation_id__in=validated.values("organisation_id"))
        | Q(Exists(newer_account), status=R.REJECTED)
    )


def payment_run_build(*, cut_off: dt.datetime, actor: Any = None) -> PaymentRun:
    """Build the run of one cut-off: one payment per organisation with a validated account.

    Building twice for the same cut-off returns the existing run and changes nothing (the
    unique cut-off is a database constraint). Conservation is checked before commit.
    """
    from passplus.payments.services import notify_missing_bank_details

    existing = PaymentRun.objects.filter(cut_off=cut_off).first()
    if existing is not None:
        return existing
    started_at = timezone.now()
    try:
        with transaction.atomic():
            run = PaymentRun.objects.create(cut_off=cut_off, built_by=actor)
            _fill_run(run, actor, started_at)
            notify_missing_bank_details(run)
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


def _fill_run(run: PaymentRun, actor: Any, started_at: dt.datetime) -> None:
    cut_off = run.cut_off
    _publish(cut_off, 0, started_at)
    payable = payable_before(cut_off)
    totals = list(
        payable.order_by()
        .values("organisation_id")
        .annotate(amount=Sum("amount_cents"), tickets=Count("pk"))
        .order_by("organisation_id")
    )
    _publish(cut_off, 1, started_at)
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
    _publish(cut_off, 2, started_at)
    payment_of_organisation = Payment.objects.filter(
        run=run, organisation_id=OuterRef("organisation_id")
    ).values("pk")[:1]
    payable.update(
        status=R.IN_PAYMENT,
        payment=Subquery(payment_of_organisation),
        status_changed_at=timezone.now(),
        status_reason="",
    )
    _publish(cut_off, 3, started_at)
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


def _audit(run: PaymentRun, payments: list[Payment], actor: Any) -> None:
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
    )
