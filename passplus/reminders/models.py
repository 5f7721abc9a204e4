"""Models of passplus.reminders: the record that a reminder e-mail was sent (once)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ReminderKind(models.TextChoices):
    """What a reminder is about; the target it names is of the model given in the comment."""

    FAMILY_CREDIT = "family_credit", "Crédit non utilisé (famille)"  # pupils.Family
    PARTNER_BANK_DETAILS = (  # organisations.Organisation
        "partner_bank_details",
        "Coordonnées bancaires manquantes (organisme)",
    )
    CORRESPONDENT_INVITATION = (  # accounts.Invitation
        "correspondent_invitation",
        "Invitation bientôt expirée (correspondant)",
    )


class ReminderSentQuerySet(models.QuerySet["ReminderSent"]):
    def of(self, kind: str, occasion: str) -> ReminderSentQuerySet:
        return self.filter(kind=kind, occasion=occasion)


class ReminderSent(models.Model):
    """One reminder sent: inserted in the transaction that queues its e-mail, so the unique
    constraint on (kind, target, occasion) makes each reminder leave once, whoever sends it."""

    kind = models.CharField("rappel", max_length=40, choices=ReminderKind.choices)
    # The family, organisation or invitation reminded (see ReminderKind): an id rather than a
    # foreign key, so that one unique constraint covers every kind.
    target_id = models.PositiveBigIntegerField("destinataire (identifiant)")
    # What the reminder is for, e.g. "campagne 12 J-30", "coupure 2027-01-16".
    occasion = models.CharField("occasion", max_length=80)
    recipient_count = models.PositiveSmallIntegerField("nombre d'adresses", default=1)
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)

    objects = ReminderSentQuerySet.as_manager()

    class Meta:
        verbose_name = "rappel envoyé"
        verbose_name_plural = "rappels envoyés"
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target_id", "occasion"], name="reminder_sent_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.occasion} (n° {self.target_id})"
