from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone

from passplus.core.errors import DomainError
from passplus.core.lifecycle import LifecycleModel

if TYPE_CHECKING:
    from passplus.accounts.models import User


class ConventionVersion(models.Model):
    """The text of the convention and of the rules an organisation accepts when signing."""

    label = models.CharField("version", max_length=20, unique=True)
    title = models.CharField("titre", max_length=200)
    body = models.TextField("conditions générales")
    rules = models.TextField("règlement du dispositif")
    published_on = models.DateField("publiée le")
    is_current = models.BooleanField("version en vigueur", default=False)

    class Meta:
        verbose_name = "version de la convention"
        verbose_name_plural = "versions de la convention"
        ordering = ["-published_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="convention_version_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.label})"


class ConventionStatus(models.TextChoices):
    PENDING = "pending", "À signer"
    SIGNED = "signed", "Signée"
    CANCELLED = "cancelled", "Abandonnée"


def convention_upload_path(instance: Convention, filename: str) -> str:
    return f"conventions/{instance.organisation_id}/{filename}"


class Convention(LifecycleModel):
    """One agreement of an organisation for one version; signed once, with its sealed PDF."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="conventions"
    )
    version = models.ForeignKey(ConventionVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "état", max_length=20, choices=ConventionStatus.choices, default=ConventionStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField("données validées le", null=True, blank=True)
    reviewed_fingerprint = models.CharField(
        "empreinte des données validées", max_length=64, blank=True
    )
    rules_accepted_at = models.DateTimeField("règlement accepté le", null=True, blank=True)
    terms_accepted_at = models.DateTimeField("conditions acceptées le", null=True, blank=True)
    signed_at = models.DateTimeField("signée le", null=True, blank=True)
    signed_pdf = models.FileField("convention signée", upload_to=convention_upload_path, blank=True)
    pdf_sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)

    class Meta:
        verbose_name = "convention"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version"],
                condition=Q(status=ConventionStatus.SIGNED),
                name="convention_signed_once_per_version",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ConventionStatus.values), name="convention_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Convention {self.version.label} — {self.organisation}"

    def sign(self, *, actor: User) -> None:
        if not (self.rules_accepted_at and self.terms_accepted_at):
            raise DomainError(
                "Acceptez le règlement du dispositif et les conditions générales avant de signer."
            )
        self._move(
            ConventionStatus.SIGNED,
            allowed_from=[ConventionStatus.PENDING],
            actor=actor,
            action="convention.sign",
            changes={"signed_at": timezone.now()},
        )

    def cancel(self, *, actor: User, reason: str = "") -> None:
        self._move(
            ConventionStatus.CANCELLED,
            allowed_from=[ConventionStatus.PENDING],
            actor=actor,
            action="convention.cancel",
            reason=reason,
        )
