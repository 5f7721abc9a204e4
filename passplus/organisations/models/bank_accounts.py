"""One version of an organisation's bank details, and its lifecycle (docs/design.md §4): entered
(draft), confirmed by SMS (pending), checked by the back office (validated or rejected),
replaced by a newer one, or made invalid by a returned transfer."""

from __future__ import annotations

import hashlib
from pathlib import PurePath
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from passplus.core.errors import DomainError
from passplus.core.lifecycle import LifecycleModel
from passplus.core.privacy import mask_iban
from passplus.organisations.enums import BankAccountStatus
from passplus.organisations.models.imports import ImportedOrganisation
from passplus.organisations.models.organisation import Organisation
from passplus.organisations.validators import RIB_EXTENSIONS, rib_mime_type

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from passplus.accounts.models import User


class BankAccountQuerySet(models.QuerySet["BankAccount"]):
    def validated(self) -> BankAccountQuerySet:
        return self.filter(status=BankAccountStatus.VALIDATED)


def rib_upload_path(instance: BankAccount, filename: str) -> str:
    """Never the uploader's name: only an extension of the accepted types (`attach_rib` gives
    the one the bytes show), so a file cannot be stored, then served, as `.hta` or `.html`."""
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    extension = suffix if suffix in RIB_EXTENSIONS.values() else "bin"
    return f"rib/{instance.organisation_id}/{timezone.now():%Y%m%d%H%M%S}-rib.{extension}"


B = BankAccountStatus


class BankAccount(LifecycleModel):
    """One version of an organisation's bank details. Only a validated one is ever paid."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="bank_accounts"
    )
    status = models.CharField("état", max_length=20, choices=B.choices, default=B.DRAFT)
    holder = models.CharField("titulaire du compte", max_length=140)
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11)
    rib_document = models.FileField("RIB", upload_to=rib_upload_path, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("saisi le", auto_now_add=True)
    confirmed_at = models.DateTimeField("confirmé par SMS le", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("vérifié le", null=True, blank=True)
    status_reason = models.TextField("motif", blank=True)
    # Imported (docs/switch-over.md) with « coordonnées validées : oui »: the previous system
    # had checked them. Still pending: a second staff person (never the importer, who is
    # `entered_by`) confirms them before they are paid.
    previously_validated = models.BooleanField("validées dans le système précédent", default=False)

    objects = BankAccountQuerySet.as_manager()

    class Meta:
        verbose_name = "coordonnées bancaires"
        verbose_name_plural = "coordonnées bancaires"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status=BankAccountStatus.VALIDATED),
                name="bank_account_one_validated_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BankAccountStatus.values), name="bank_account_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} {self.masked_iban}"

    @property
    def iban_ending(self) -> str:
        """The masked IBAN as words, for a screen reader: "IBAN se terminant par 0189"."""
        return f"IBAN se terminant par {self.iban[-4:]}"

    @property
    def masked_iban(self) -> str:
        """Everything hidden but the country code and the last 4 characters."""
        return mask_iban(self.iban)

    def attach_rib(self, upload: UploadedFile[bytes]) -> None:
        """Store an uploaded RIB (already validated) under the extension its bytes show."""
        upload.seek(0)
        mime = rib_mime_type(upload.read(262))
        upload.seek(0)
        if mime is None:
            raise DomainError(
                "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG : envoyez le RIB dans "
                "l'un de ces formats."
            )
        self.rib_document.save(f"rib.{RIB_EXTENSIONS[mime]}", upload, save=False)

    def open_rib(self) -> tuple[IO[bytes], str, str]:
        """The stored RIB, its type and its extension, read from its bytes (never its name)."""
        handle = self.rib_document.open("rb")
        mime = rib_mime_type(handle.read(262)) or "application/octet-stream"
        handle.seek(0)
        return handle, mime, RIB_EXTENSIONS.get(mime, "bin")

    @property
    def rib_sha256(self) -> str:
        """SHA-256 of the stored RIB file's bytes ("" without a file): what a code confirms is
        the document itself, not its name."""
        name = self.rib_document.name
        if not name:
            return ""
        digest = hashlib.sha256()
        try:
            with self.rib_document.storage.open(name, "rb") as stored:
                for chunk in iter(lambda: stored.read(64 * 1024), b""):
                    digest.update(chunk)
        except FileNotFoundError:
            return "absent"
        return digest.hexdigest()

    def confirmed_details(self) -> dict[str, object]:
        """What an SMS code binds: this version's identity, details and RIB bytes."""
        return {
            "pk": self.pk,
            "holder": self.holder,
            "iban": self.iban,
            "bic": self.bic,
            "rib_sha256": self.rib_sha256,
        }

    @staticmethod
    def _require_staff(actor: User) -> None:
        """Checking a RIB against the entered details is the back office's job."""
        if actor is None or not getattr(actor, "is_departement_staff", False):
            raise DomainError(
                "Seul un agent du département peut vérifier des coordonnées bancaires."
            )

    def confirm(self, *, actor: User) -> None:
        """The legal representative confirmed the change with an SMS code.

        Only the details this object holds are confirmed: the row is locked and compared with
        them first, so details saved by someone else since they were read are never confirmed
        in their place (the caller has already checked its code against these details)."""
        shown = ("holder", "iban", "bic", "rib_document")
        with transaction.atomic():
            stored = (
                BankAccount.objects.select_for_update(no_key=True)
                .filter(pk=self.pk)
                .values(*shown)
                .get()
            )
            if stored != {name: str(getattr(self, name)) for name in shown}:
                raise DomainError(
                    "Les coordonnées ont changé depuis l'envoi du code : demandez un nouveau code."
                )
            self._move(
                B.PENDING,
                allowed_from=[B.DRAFT],
                actor=actor,
                action="bank_account.confirm",
                changes={"confirmed_at": timezone.now()},
            )

    def entered_by_ids(self) -> set[int]:
        """Who brought these details in, and so may not validate them (four eyes): the person
        who entered them and, for details a switch-over import entered, also the person who
        uploaded the file they came from (the IBANs are theirs; the importer only clicked)."""
        if self.entered_by_id is None:
            return set()
        uploaders = ImportedOrganisation.objects.filter(
            organisation_id=self.organisation_id,
            source__imported_by_id=self.entered_by_id,
            source__created_by__isnull=False,
        ).values_list("source__created_by_id", flat=True)
        return {self.entered_by_id, *uploaders}

    def validate(self, *, actor: User) -> None:
        """Back office checked the RIB: this account is now the one paid; the old one is kept."""
        self._require_staff(actor)
        if actor.pk in self.entered_by_ids():
            raise DomainError(
                "Les coordonnées bancaires doivent être validées par une autre personne "
                "que celle qui les a saisies."
            )
        with transaction.atomic():
            previous = (
                BankAccount.objects.select_for_update()
                .filter(organisation_id=self.organisation_id, status=B.VALIDATED)
                .exclude(pk=self.pk)
            )
            for old in previous:
                old._move(
                    B.REPLACED,
                    allowed_from=[B.VALIDATED],
                    actor=actor,
                    action="bank_account.replace",
                )
            self._move(
                B.VALIDATED,
                allowed_from=[B.PENDING],
                actor=actor,
                action="bank_account.validate",
                changes={"reviewed_by": actor, "reviewed_at": timezone.now()},
            )
            # Should these details stop working one day, the organisation is told again.
            Organisation.objects.filter(pk=self.organisation_id).update(
                missing_bank_details_notified_at=None
            )

    def reject(self, *, actor: User, reason: str) -> None:
        self._require_staff(actor)
        Organisation._require_reason(reason)
        self._move(
            B.REJECTED,
            allowed_from=[B.PENDING],
            actor=actor,
            action="bank_account.reject",
            reason=reason,
            changes={"reviewed_by": actor, "reviewed_at": timezone.now(), "status_reason": reason},
        )

    def invalidate(self, *, actor: User, reason: str) -> None:
        """The bank returned a transfer: stop paying to this account until new details."""
        Organisation._require_reason(reason)
        self._move(
            B.INVALID,
            allowed_from=[B.VALIDATED],
            actor=actor,
            action="bank_account.invalidate",
            reason=reason,
            changes={"status_reason": reason},
        )
