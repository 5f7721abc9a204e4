"""A family assigns part of a wallet's credit online to one organisation, which confirms the
child's enrolment (issue 35; docs/design.md §4 « Assignment »).

The ticket exists from the start, `assigned` (same numbers, same wallet lock, same one live
redemption per ticket as a printed ticket); the transitions are services in
passplus.tickets.assignments, each one transaction, the assignment row locked first.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from passplus.core.lifecycle import LifecycleModel


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "En attente de l'organisme"
    CONFIRMED = "confirmed", "Confirmé"
    REFUSED = "refused", "Refusé par l'organisme"
    WITHDRAWN = "withdrawn", "Retiré par la famille"
    EXPIRED = "expired", "Expiré sans réponse"


A = AssignmentStatus


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def pending(self) -> AssignmentQuerySet:
        return self.filter(status=A.PENDING)

    def of_organisation(self, organisation_id: int) -> AssignmentQuerySet:
        return self.filter(organisation_id=organisation_id)

    def of_family_user(self, user_id: int) -> AssignmentQuerySet:
        return self.filter(ticket__wallet__pupil__family__user_id=user_id)

    def due_to_expire(self, now: dt.datetime | None = None) -> AssignmentQuerySet:
        """Pending ones whose time to answer is over (what the expiry job moves)."""
        return self.pending().filter(expires_at__lte=now or timezone.now())

    def due_to_announce(self) -> AssignmentQuerySet:
        """Pending and not yet named in a digest to the organisation (the job's input)."""
        return self.pending().filter(announced_at__isnull=True)

    def due_to_remind(self, now: dt.datetime | None = None) -> AssignmentQuerySet:
        """Pending, not reminded yet, expiring within a week (the reminder job's input)."""
        now = now or timezone.now()
        return self.pending().filter(
            reminded_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=now + dt.timedelta(days=7),
        )


class Assignment(LifecycleModel):
    """Credit assigned online to one organisation: `pending` → `confirmed` (a redemption
    entered) | `refused` (with a reason) | `withdrawn` (by the family) | `expired` (no answer
    within its delay); the last three void the ticket, whose amount returns to the wallet."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="assignment"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name="organisme",
    )
    # Of the same organisation: checked by the service (a constraint cannot span tables).
    activity = models.ForeignKey(
        "organisations.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
        verbose_name="activité",
    )
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="affecté par",
    )
    status = models.CharField("état", max_length=20, choices=A.choices, default=A.PENDING)
    created_at = models.DateTimeField("affecté le", default=timezone.now, db_index=True)
    expires_at = models.DateTimeField("réponse attendue avant le")
    status_changed_at = models.DateTimeField("dernier changement d'état", null=True, blank=True)
    # Confirmed or refused: when, and by which member of the organisation.
    answered_at = models.DateTimeField("répondu le", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="répondu par",
    )
    status_reason = models.TextField("motif", blank=True)
    redemption = models.OneToOneField(
        "tickets.Redemption",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignment",
        verbose_name="saisie",
    )
    reminded_at = models.DateTimeField("relance envoyée le", null=True, blank=True)
    # When the organisation's digest of new assignments named it (the job, at most once a day).
    announced_at = models.DateTimeField("annoncé à l'organisme le", null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "ticket affecté"
        verbose_name_plural = "tickets affectés"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values), name="assignment_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=AssignmentStatus.CONFIRMED) | Q(redemption__isnull=False),
                name="assignment_confirmed_has_redemption",
            ),
            models.CheckConstraint(
                condition=~Q(status=AssignmentStatus.REFUSED) | ~Q(status_reason=""),
                name="assignment_refused_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket {self.ticket} affecté à {self.organisation}"
