"""The identification form ("fiche d'identification") a commune correspondent registers: it
created the organisation and its invitation (passplus/organisations/services.py).

Kept out of models.py for length; models.py imports it so that Django registers the model. The
organisation is referred to by name, not imported, so this module never imports models.py and
no import cycle can arise whichever of the two is imported first."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdentificationForm(models.Model):
    """What a commune correspondent registered; it created the organisation and its invitation."""

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="identification_form"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="enregistrée par",
    )
    registered_at = models.DateTimeField("enregistrée le", auto_now_add=True)
    contact_name = models.CharField("personne à contacter", max_length=150)
    contact_email = models.EmailField("e-mail du contact")
    contact_phone = models.CharField("téléphone du contact", max_length=20, blank=True)
    invitation = models.ForeignKey(
        "accounts.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "fiche d'identification"
        verbose_name_plural = "fiches d'identification"

    def __str__(self) -> str:
        return f"Fiche de {self.organisation}"

    @property
    def invitation_state(self) -> str:
        """The state of the latest invitation, in French, for the correspondent's list."""
        invitation = self.invitation
        if invitation is None:
            return "Aucune invitation"
        if invitation.used_at:
            return f"Compte créé le {timezone.localtime(invitation.used_at):%d/%m/%Y}"
        if invitation.revoked_at:
            return "Invitation révoquée"
        if invitation.expires_at <= timezone.now():
            return f"Invitation expirée le {timezone.localtime(invitation.expires_at):%d/%m/%Y}"
        return f"Invitation valable jusqu'au {timezone.localtime(invitation.expires_at):%d/%m/%Y}"

    @property
    def invitation_pending(self) -> bool:
        invitation = self.invitation
        return bool(
            invitation
            and not (invitation.used_at or invitation.revoked_at)
            and invitation.expires_at > timezone.now()
        )
