"""The switch-over from a département's previous system (docs/switch-over.md): one CSV file of
organisations checked then imported (OrganisationImport), and, for each organisation it
created, what the previous system said (ImportedOrganisation): the line it came from, the
contact invited to claim the account, and the convention signed there.

The checking, the documents archive, the import and the claims live in
passplus/organisations/switch_over/. Kept out of the other model modules for length; the
organisation is referred to by name, so this module never imports them."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from passplus.core.imports import ImportMode, ImportRun, ImportStatus


def import_file_path(instance: OrganisationImport, filename: str) -> str:
    """Private storage (MEDIA is never served): a random name, never the uploaded one."""
    return f"imports/organisations/{uuid.uuid4().hex}.csv"


def import_documents_path(instance: OrganisationImport, filename: str) -> str:
    return f"imports/organisations/{uuid.uuid4().hex}.zip"


def previous_convention_path(instance: ImportedOrganisation, filename: str) -> str:
    return f"conventions/{instance.organisation_id}/systeme-precedent-{uuid.uuid4().hex}.pdf"


# The pupil import's states and modes (passplus/core/imports.py), under the names this app's
# code and docs/design.md use.
OrganisationImportStatus = ImportStatus
OrganisationImportMode = ImportMode


class OrganisationImport(ImportRun):
    """One file of organisations (and its optional ZIP of documents): checked in the
    background, then imported on a second, explicit request (all lines, or explicitly only the
    valid ones)."""

    file = models.FileField("fichier", upload_to=import_file_path)
    sha256 = models.CharField("empreinte SHA-256 du fichier", max_length=64)
    documents = models.FileField("documents (ZIP)", upload_to=import_documents_path, blank=True)
    documents_name = models.CharField("nom de l'archive", max_length=255, blank=True)
    # [{"line": 7, "organisation_id": 3, "name": "..."}, ...]: a known organisation whose IBAN
    # in the file differs from ours (never applied: « à faire confirmer par l'organisme »).
    bank_differences = models.JSONField("coordonnées différentes", default=list, blank=True)
    created_organisations = models.PositiveIntegerField("organismes créés", default=0)
    updated_organisations = models.PositiveIntegerField("organismes mis à jour", default=0)
    unchanged_organisations = models.PositiveIntegerField("organismes inchangés", default=0)

    class Meta:
        verbose_name = "reprise d'organismes"
        verbose_name_plural = "reprises d'organismes"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OrganisationImportStatus.values),
                name="organisation_import_status_valid",
            ),
        ]


class ImportedOrganisationQuerySet(models.QuerySet["ImportedOrganisation"]):
    def unclaimed(self) -> ImportedOrganisationQuerySet:
        """Imported organisations nobody has an account for yet (nobody can enter their
        tickets)."""
        return self.exclude(organisation__members__isnull=False).filter(claimed_at__isnull=True)


class ImportedOrganisation(models.Model):
    """An organisation created by a switch-over import: where it came from, the contact
    invited to claim its account, and the convention it signed in the previous system (not
    sealed by this platform)."""

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="imported"
    )
    source = models.ForeignKey(
        OrganisationImport, null=True, on_delete=models.SET_NULL, related_name="organisations"
    )
    line = models.PositiveIntegerField("ligne du fichier")
    imported_at = models.DateTimeField("importé le", default=timezone.now)
    contact_name = models.CharField("personne à contacter", max_length=150)
    contact_email = models.EmailField("e-mail du contact")
    contact_mobile = models.CharField("portable du contact (E.164)", max_length=16, blank=True)
    # The latest claim invitation sent (a resend or a reminder issues a new one).
    invitation = models.ForeignKey(
        "accounts.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_invited_at = models.DateTimeField("dernière invitation le", null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField("relances envoyées", default=0)
    claimed_at = models.DateTimeField("compte créé le", null=True, blank=True)
    # The convention as signed in the previous system.
    convention_signed_on = models.DateField("convention signée le (système précédent)")
    convention_version_label = models.CharField(
        "version de convention (système précédent)", max_length=40, blank=True
    )
    convention_document = models.FileField(
        "convention signée (système précédent)", upload_to=previous_convention_path, blank=True
    )
    convention_sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)

    objects = ImportedOrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "organisme repris"
        verbose_name_plural = "organismes repris"
        ordering = ["organisation__legal_name"]

    def __str__(self) -> str:
        return f"Reprise de {self.organisation_id}"
