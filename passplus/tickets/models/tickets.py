from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone

from passplus.audit.models import record
from passplus.core.enums import Domain, TicketStatus, WalletDomain
from passplus.core.errors import DomainError
from passplus.core.lifecycle import LifecycleModel
from passplus.pupils.models import Wallet
from passplus.tickets.numbers import (
    TICKET_NUMBER_LENGTH,
    format_ticket_number,
    generate_ticket_number,
    normalise_ticket_number,
)

if TYPE_CHECKING:
    from passplus.accounts.models import User
    from passplus.organisations.models import Organisation

T = TicketStatus


class TicketQuerySet(models.QuerySet["Ticket"]):
    def of_family_user(self, user: User) -> TicketQuerySet:
        return self.filter(wallet__pupil__family__user=user)

    def number_matching(self, text: str) -> TicketQuerySet:
        """Tickets whose number starts with the digits typed (spaces, dots and dashes ignored);
        nothing unless at least 4 digits were typed."""
        digits = normalise_ticket_number(text)
        if len(digits) < 4 or not (digits.isascii() and digits.isdigit()):
            return self.none()
        if len(digits) == TICKET_NUMBER_LENGTH:
            return self.filter(number=digits)
        return self.filter(number__startswith=digits)


class Ticket(LifecycleModel):
    """A unit of a pupil's credit with a printed number."""

    number = models.CharField("numéro", max_length=12, unique=True)
    wallet = models.ForeignKey(
        "pupils.Wallet", on_delete=models.PROTECT, related_name="tickets", verbose_name="crédit"
    )
    amount_cents = models.PositiveIntegerField("montant (centimes)")
    status = models.CharField("état", max_length=20, choices=T.choices, default=T.AVAILABLE)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_changed_at = models.DateTimeField("dernier changement d'état", null=True, blank=True)
    status_reason = models.TextField("motif", blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = "ticket"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="ticket_amount_positive"),
            models.CheckConstraint(
                condition=Exact(Length("number"), TICKET_NUMBER_LENGTH),
                name="ticket_number_twelve_digits",
            ),
            models.CheckConstraint(
                condition=Q(status__in=TicketStatus.values), name="ticket_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return format_ticket_number(self.number)

    @property
    def display_number(self) -> str:
        return format_ticket_number(self.number)

    @property
    def domains(self) -> list[str]:
        """The domains this ticket can pay for."""
        if self.wallet.domain == WalletDomain.ALL:
            return [Domain.SPORT, Domain.CULTURE]
        return [self.wallet.domain]

    def is_printable(self, today: dt.date | None = None) -> bool:
        """Worth printing only while a partner can still enter it: available, and the school
        year's entry deadline not passed (the nightly expiry may not have run yet)."""
        deadline = self.wallet.school_year.redemption_deadline
        return self.status == T.AVAILABLE and (today or timezone.localdate()) <= deadline

    @classmethod
    def issue(
        cls, *, wallet: Wallet, amount_cents: int, actor: User | None, today: dt.date | None = None
    ) -> Ticket:
        """Create a ticket on a wallet, within its remaining credit (wallet row locked),
        during the school year's generation period."""
        return cls._issue(wallet=wallet, amount_cents=amount_cents, actor=actor, today=today)

    @classmethod
    def issue_assigned(
        cls, *, wallet: Wallet, amount_cents: int, actor: User | None, today: dt.date | None = None
    ) -> Ticket:
        """As `issue`, the ticket born `assigned` (for an Assignment, made in the same
        transaction by tickets.assignments.assignment_create)."""
        return cls._issue(
            wallet=wallet, amount_cents=amount_cents, actor=actor, today=today, status=T.ASSIGNED
        )

    @classmethod
    def _issue(
        cls,
        *,
        wallet: Wallet,
        amount_cents: int,
        actor: User | None,
        today: dt.date | None,
        status: str = T.AVAILABLE,
    ) -> Ticket:
        if amount_cents <= 0:
            raise DomainError("Le montant doit être positif.")
        with transaction.atomic():
            locked = (
                Wallet.objects.select_for_update().select_related("school_year").get(pk=wallet.pk)
            )
            year = locked.school_year
            if not year.accepts_generation(today or timezone.localdate()):
                raise DomainError(
                    f"Les tickets de l'année scolaire {year.label} se créent du "
                    f"{year.starts_on:%d/%m/%Y} au {year.generation_deadline:%d/%m/%Y}."
                )
            remaining = locked.remaining_cents()
            if amount_cents > remaining:
                raise DomainError("Le montant dépasse le crédit restant.")
            for _attempt in range(5):
                try:
                    with transaction.atomic():
                        ticket = cls.objects.create(
                            number=generate_ticket_number(),
                            wallet=locked,
                            amount_cents=amount_cents,
                            status=status,
                            created_by=actor,
                        )
                    break
                except IntegrityError:  # a number collision: draw again
                    continue
            else:  # pragma: no cover - 5 collisions in 9e9 numbers
                raise DomainError("Impossible de créer le ticket, réessayez.")
            record(
                actor=actor,
                action="ticket.issue",
                obj=ticket,
                after={"status": ticket.status, "amount_cents": amount_cents},
            )
            return ticket

    def _ticket_move(
        self, to: str, *, allowed_from: list[str], actor: User | None, action: str, reason: str = ""
    ) -> None:
        self._move(
            to,
            allowed_from=allowed_from,
            actor=actor,
            action=action,
            reason=reason,
            changes={"status_changed_at": timezone.now(), "status_reason": reason},
        )

    def use(self, *, actor: User, assigned: bool = False) -> None:
        """Entered by an organisation: typed (available), or its assignment confirmed."""
        self._ticket_move(
            T.USED,
            allowed_from=[T.ASSIGNED] if assigned else [T.AVAILABLE],
            actor=actor,
            action="ticket.use",
        )

    def release(self, *, actor: User, reason: str = "") -> None:
        """Its redemption was cancelled: the ticket can be entered again."""
        self._ticket_move(
            T.AVAILABLE, allowed_from=[T.USED], actor=actor, action="ticket.release", reason=reason
        )

    def staff_void_refusal(self, live: Redemption | None) -> str | None:
        """Why the back office may not void this ticket, or None when it may: unused, or
        entered (`live`, its redemption not cancelled) but not yet in a payment run — the
        entry is then cancelled first. One rule for the ticket page and the service."""
        if live is not None and live.status != R.ENTERED:
            return (
                "Ce ticket est déjà dans une campagne de remboursement "
                f"(saisie « {live.get_status_display().lower()} ») : il ne peut plus être annulé."
            )
        if self.status == T.AVAILABLE or (self.status == T.USED and live is not None):
            return None
        return f"Un ticket « {self.get_status_display().lower()} » ne peut pas être annulé."

    def void(self, *, actor: User, reason: str) -> None:
        """Cancelled while unused (family or back office): its amount returns to the wallet."""
        if not reason.strip():
            raise DomainError("Indiquez le motif de l'annulation.")
        self._ticket_move(
            T.VOID, allowed_from=[T.AVAILABLE], actor=actor, action="ticket.void", reason=reason
        )

    def void_assigned(self, *, actor: User | None, reason: str) -> None:
        """Its assignment was refused, withdrawn or expired: its amount returns to the wallet."""
        self._ticket_move(
            T.VOID, allowed_from=[T.ASSIGNED], actor=actor, action="ticket.void", reason=reason
        )

    @property
    def was_assigned(self) -> bool:
        """Issued for an assignment (tickets.models.assignments), whatever became of it."""
        return hasattr(self, "assignment")

    def restore(self, *, actor: User, reason: str) -> None:
        """Back office undoes a mistaken void, if the wallet still has the credit. Not a ticket
        voided with its assignment (refused, withdrawn, expired): the family never held it."""
        if self.was_assigned:
            raise DomainError(
                "Ce ticket était affecté à un organisme : il ne peut pas être rétabli. La famille "
                "peut affecter à nouveau ce crédit ou créer un ticket."
            )
        with transaction.atomic():
            wallet = Wallet.objects.select_for_update().get(pk=self.wallet_id)
            # The state as stored (under the wallet lock), not as this object last saw it.
            status = Ticket.objects.filter(pk=self.pk).values_list("status", flat=True).get()
            if status == T.VOID and wallet.remaining_cents() < self.amount_cents:
                raise DomainError(
                    "Le crédit a déjà été réutilisé : ce ticket ne peut pas être rétabli."
                )
            self._ticket_move(
                T.AVAILABLE,
                allowed_from=[T.VOID],
                actor=actor,
                action="ticket.restore",
                reason=reason,
            )

    def expire(self, *, actor: User | None = None) -> None:
        """Past the year's deadlines, unused: available, or still assigned (credit lost)."""
        self._ticket_move(
            T.EXPIRED, allowed_from=[T.AVAILABLE, T.ASSIGNED], actor=actor, action="ticket.expire"
        )


class RedemptionStatus(models.TextChoices):
    ENTERED = "entered", "Saisi"
    IN_PAYMENT = "in_payment", "En cours de paiement"
    REIMBURSED = "reimbursed", "Remboursé"
    CANCELLED = "cancelled", "Annulé"
    REJECTED = "rejected", "Rejeté"


R = RedemptionStatus


class RedemptionQuerySet(models.QuerySet["Redemption"]):
    def of_organisation(self, organisation: Organisation) -> RedemptionQuerySet:
        return self.filter(organisation=organisation)

    def live(self) -> RedemptionQuerySet:
        return self.exclude(status=R.CANCELLED)

    def payable(self) -> RedemptionQuerySet:
        """What the next payment run may include (rejected ones wait for a validated account)."""
        return self.filter(status__in=[R.ENTERED, R.REJECTED])

    def settle(self, to: str, *, reason: str = "") -> int:
        """The bank's answer for a payment: its in-payment redemptions become reimbursed or
        rejected in one UPDATE (audited by the payment's own event). Returns how many moved."""
        if to not in (R.REIMBURSED, R.REJECTED):
            raise ValueError(f"a payment settles redemptions as reimbursed or rejected, not {to}")
        return self.filter(status=R.IN_PAYMENT).update(
            status=to, status_changed_at=timezone.now(), status_reason=reason
        )


class Redemption(LifecycleModel):
    """An organisation's claim on a ticket: what gets paid.

    Into a payment and back out of it, redemptions move in sets with their payment, never one
    by one: the build (payments.build: entered or rejected -> in payment) and the bank's answer
    (payments.settlement, through `RedemptionQuerySet.settle`: in payment -> reimbursed or
    rejected)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="redemptions")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="redemptions"
    )
    activity = models.ForeignKey(
        "organisations.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="redemptions",
    )
    amount_cents = models.PositiveIntegerField("montant (centimes)")
    status = models.CharField("état", max_length=20, choices=R.choices, default=R.ENTERED)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField("saisi le", default=timezone.now, db_index=True)
    payment = models.ForeignKey(
        "payments.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField("motif", blank=True)

    objects = RedemptionQuerySet.as_manager()

    class Meta:
        verbose_name = "saisie"
        ordering = ["-entered_at", "-id"]
        constraints = [
            # The money invariant: a ticket is claimed by at most one live redemption.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=~Q(status=RedemptionStatus.CANCELLED),
                name="redemption_one_live_per_ticket",
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="redemption_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RedemptionStatus.values), name="redemption_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[R.IN_PAYMENT, R.REIMBURSED]) | Q(payment__isnull=False),
                name="redemption_paid_through_a_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"Saisie {self.ticket} par {self.organisation}"

    def _redemption_move(
        self,
        to: str,
        *,
        allowed_from: list[str],
        actor: User,
        action: str,
        reason: str = "",
        changes: dict[str, Any] | None = None,
    ) -> None:
        self._move(
            to,
            allowed_from=allowed_from,
            actor=actor,
            action=action,
            reason=reason,
            changes={
                "status_changed_at": timezone.now(),
                "status_reason": reason,
                **(changes or {}),
            },
        )

    def cancel(self, *, actor: User, reason: str = "") -> None:
        """Cancel a mistaken entry before its payment run; the ticket becomes available again."""
        with transaction.atomic():
            self._redemption_move(
                R.CANCELLED,
                allowed_from=[R.ENTERED],
                actor=actor,
                action="redemption.cancel",
                reason=reason,
            )
            self.ticket.release(actor=actor, reason=reason)
