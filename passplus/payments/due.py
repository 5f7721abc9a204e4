"""What is due now: per organisation, what the next run would pay and what it would leave out,
and why (read-only; the finance team's "Remboursements" page and the run page use it).

Two GROUP BY queries, whatever the number of entries: the page stays cheap with thousands of
partners and a September's worth of entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Sum

from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import BankAccount, Organisation
from passplus.payments.build import due_cut_offs, payable_before, payable_condition
from passplus.payments.calendar import next_cut_off
from passplus.tickets.models import Redemption

B = BankAccountStatus

# Why entries wait, from the organisation's latest bank details (none at all is the first).
NO_BANK_DETAILS = "Aucune coordonnée bancaire enregistrée."
WAITING_REASONS = {
    B.DRAFT: "Coordonnées bancaires saisies mais pas confirmées par SMS.",
    B.PENDING: "Coordonnées bancaires en attente de vérification par le Département.",
    B.REJECTED: "Coordonnées bancaires refusées : l'organisme doit en saisir de nouvelles.",
    B.INVALID: "Virement rejeté par la banque : en attente de nouvelles coordonnées.",
    B.REPLACED: "Coordonnées bancaires remplacées, les nouvelles ne sont pas encore validées.",
}
REJECTED_WAITING = (
    "Virement rejeté par la banque : payé après la validation de nouvelles coordonnées."
)
STATUS_NOTES = {
    OrganisationStatus.SUSPENDED: "suspendu : payé pour les saisies faites avant la suspension",
    OrganisationStatus.TERMINATED: "résilié : payé pour les saisies faites avant la résiliation",
}


@dataclass(frozen=True)
class OrganisationDue:
    organisation: Organisation
    count: int
    amount_cents: int
    reason: str = ""  # why the run leaves these entries out; empty when it pays them

    @property
    def status_note(self) -> str:
        return STATUS_NOTES.get(OrganisationStatus(self.organisation.status), "")


@dataclass(frozen=True)
class DueNow:
    """The next run as it would be built now."""

    now: dt.datetime
    next_cut_off: dt.datetime
    # The latest past cut-off without a run (the scheduler has not built it yet), if any.
    due_cut_off: dt.datetime | None
    paid: list[OrganisationDue] = field(default_factory=list)
    left_out: list[OrganisationDue] = field(default_factory=list)

    @property
    def paid_count(self) -> int:
        return sum(row.count for row in self.paid)

    @property
    def paid_cents(self) -> int:
        return sum(row.amount_cents for row in self.paid)

    @property
    def left_out_count(self) -> int:
        return sum(row.count for row in self.left_out)

    @property
    def left_out_cents(self) -> int:
        return sum(row.amount_cents for row in self.left_out)


def _grouped(redemptions: QuerySet[Redemption]) -> list[dict[str, int]]:
    return [
        {"organisation_id": row["organisation_id"], "count": row["count"], "amount": row["amount"]}
        for row in redemptions.order_by()
        .values("organisation_id")
        .annotate(count=Count("pk"), amount=Sum("amount_cents"))
        .order_by("organisation_id")
    ]


def _latest_bank_status(organisation_ids: list[int]) -> dict[int, str]:
    latest: dict[int, str] = {}
    for organisation_id, status in (
        BankAccount.objects.filter(organisation_id__in=organisation_ids)
        .order_by("organisation_id", "created_at", "pk")
        .values_list("organisation_id", "status")
    ):
        latest[organisation_id] = status
    return latest


def _waiting_reason(status: str | None, *, has_validated: bool) -> str:
    if has_validated:  # only rejected entries wait: the bank returned their transfer
        return REJECTED_WAITING
    if status is None:
        return NO_BANK_DETAILS
    return WAITING_REASONS.get(B(status), NO_BANK_DETAILS)


def left_out_before(cut_off: dt.datetime) -> list[OrganisationDue]:
    """Entries before `cut_off` that a run of that cut-off does not pay, per organisation."""
    # The condition negated, not `NOT IN (the payable ids)`: PostgreSQL rescans such a
    # subquery for each row once it outgrows its hash memory (a September fortnight does).
    rows = _grouped(
        Redemption.objects.payable().filter(entered_at__lt=cut_off).exclude(payable_condition())
    )
    ids = [row["organisation_id"] for row in rows]
    organisations = Organisation.objects.in_bulk(ids)
    latest = _latest_bank_status(ids)
    validated = set(
        BankAccount.objects.validated()
        .filter(organisation_id__in=ids)
        .values_list("organisation_id", flat=True)
    )
    return sorted(
        (
            OrganisationDue(
                organisation=organisations[row["organisation_id"]],
                count=row["count"],
                amount_cents=row["amount"],
                reason=_waiting_reason(
                    latest.get(row["organisation_id"]),
                    has_validated=row["organisation_id"] in validated,
                ),
            )
            for row in rows
        ),
        key=lambda row: row.organisation.legal_name.casefold(),
    )


def paid_before(cut_off: dt.datetime) -> list[OrganisationDue]:
    rows = _grouped(payable_before(cut_off))
    organisations = Organisation.objects.in_bulk([row["organisation_id"] for row in rows])
    return sorted(
        (
            OrganisationDue(
                organisation=organisations[row["organisation_id"]],
                count=row["count"],
                amount_cents=row["amount"],
            )
            for row in rows
        ),
        key=lambda row: row.organisation.legal_name.casefold(),
    )


def due_now(now: dt.datetime) -> DueNow:
    due = due_cut_offs(now)
    due_cut_off = due[-1] if due else None
    # Entries before the past cut-off, or everything entered so far (the next one is ahead).
    cut_off = due_cut_off or next_cut_off(now)
    return DueNow(
        now=now,
        next_cut_off=next_cut_off(now),
        due_cut_off=due_cut_off,
        paid=paid_before(cut_off),
        left_out=left_out_before(cut_off),
    )
