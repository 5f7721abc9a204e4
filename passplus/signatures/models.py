"""Electronic signature by one-time SMS code: the request (the evidence of one signature) and
its codes. Used by the convention and by bank-detail changes alike, so it sits below both:
it points to what it signs by string references only."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from passplus.accounts.models import User, hash_token
from passplus.core.errors import DomainError
from passplus.core.french import counted
from passplus.core.lifecycle import LifecycleModel
from passplus.core.privacy import mask_phone

CODE_DATA_CHANGED = "Les coordonnées ont changé depuis l'envoi du code : demandez un nouveau code."


class SignaturePurpose(models.TextChoices):
    CONVENTION = "convention", "Signature de la convention"
    BANK_ACCOUNT = "bank_account", "Changement de coordonnées bancaires"


class SignatureStatus(models.TextChoices):
    PENDING = "pending", "Code envoyé"
    SIGNED = "signed", "Signé"
    FAILED = "failed", "Bloqué (trop d'essais)"
    EXPIRED = "expired", "Expiré"


class SignatureRequest(LifecycleModel):
    """The evidence of one electronic signature by one-time SMS code."""

    MAX_ATTEMPTS = 5
    MAX_CODES = 5
    RESEND_DELAY = timedelta(seconds=30)

    purpose = models.CharField("objet", max_length=20, choices=SignaturePurpose.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="signature_requests"
    )
    convention = models.ForeignKey(
        "conventions.Convention",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    bank_account = models.ForeignKey(
        "organisations.BankAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    status = models.CharField(
        "état", max_length=20, choices=SignatureStatus.choices, default=SignatureStatus.PENDING
    )
    signer_name = models.CharField("signataire", max_length=150)
    phone = models.CharField("portable (E.164)", max_length=16)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    document_sha256 = models.CharField("empreinte du document signé", max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    signed_user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        # The table kept its name when the model left the conventions app (docs/decisions.md).
        db_table = "conventions_signaturerequest"
        verbose_name = "demande de signature"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(purpose=SignaturePurpose.CONVENTION, convention__isnull=False)
                    | Q(purpose=SignaturePurpose.BANK_ACCOUNT, bank_account__isnull=False)
                ),
                name="signature_request_has_its_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — {self.organisation}"

    def issue_code(self, *, fingerprint: str = "") -> str:
        """Create a new one-time code and return it in clear (for the SMS only).

        `fingerprint` is a digest of what is being signed: if it differs when the code is typed,
        the code is refused. The request row is locked so that two simultaneous clicks cannot
        exceed MAX_CODES nor the delay between two sends.
        """
        with transaction.atomic():
            locked = SignatureRequest.objects.select_for_update().get(pk=self.pk)
            self.status = locked.status
            if locked.status != SignatureStatus.PENDING:
                raise DomainError("Cette demande de signature n'attend plus de code.")
            last = locked.codes.order_by("-created_at").first()
            if last is not None:
                wait = last.created_at + self.RESEND_DELAY - timezone.now()
                if wait.total_seconds() > 0:
                    seconds = int(wait.total_seconds()) + 1
                    raise DomainError(
                        f"Un code vient d'être envoyé. Attendez {seconds} secondes "
                        "avant d'en demander un autre."
                    )
            if locked.codes.count() >= self.MAX_CODES:
                raise DomainError(
                    "Vous avez demandé le nombre maximal de codes "
                    f"({self.MAX_CODES}). Contactez le département pour débloquer la signature."
                )
            # Only the newest code counts: older ones are retired.
            locked.codes.filter(used_at__isnull=True).update(expires_at=timezone.now())
            code = f"{secrets.randbelow(1_000_000):06d}"
            OneTimeCode.objects.create(
                request=self,
                code_hash=hash_token(code),
                data_fingerprint=fingerprint,
                expires_at=timezone.now() + OneTimeCode.VALIDITY,
            )
        return code

    @property
    def code_sent_at(self) -> datetime | None:
        """When the code that signed (or the latest one) was sent."""
        used = self.codes.filter(used_at__isnull=False).first()
        latest = used or self.codes.order_by("-created_at").first()
        return latest.created_at if latest else None

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def check_code(
        self,
        code: str,
        *,
        actor: User,
        fingerprint: str = "",
        ip: str | None = None,
        user_agent: str = "",
    ) -> str | None:
        """Check a typed code inside the caller's transaction. Return None when it signed,
        else the French reason. A wrong try is counted with an UPDATE that the caller commits
        (the caller must not roll back on a refusal: see `verify`).

        `fingerprint` must be computed by the caller from rows it has locked in this same
        transaction: a code whose stored fingerprint differs is voided (CODE_DATA_CHANGED)."""
        current = (
            self.codes.select_for_update().filter(used_at__isnull=True).order_by("-created_at")
        ).first()
        if self.status != SignatureStatus.PENDING or current is None:
            return "Aucun code en attente : demandez un nouveau code."
        if current.data_fingerprint != fingerprint:
            # Bound to other data than what is stored now: void it for good (committed by the
            # caller like a wrong try), even if the data is later put back as it was.
            OneTimeCode.objects.filter(pk=current.pk).update(
                expires_at=min(current.expires_at, timezone.now())
            )
            return CODE_DATA_CHANGED
        if current.expires_at <= timezone.now():
            return "Ce code a expiré : demandez un nouveau code."
        if current.attempts >= self.MAX_ATTEMPTS:
            return "Trop d'essais : demandez un nouveau code."
        typed = "".join(code.split())
        if not secrets.compare_digest(current.code_hash, hash_token(typed)):
            OneTimeCode.objects.filter(pk=current.pk).update(attempts=models.F("attempts") + 1)
            remaining = self.MAX_ATTEMPTS - current.attempts - 1
            if remaining <= 0:
                return "Code incorrect. Vous n'avez plus d'essai : demandez un nouveau code."
            return f"Code incorrect. Il vous reste {counted(remaining, 'essai')}."
        now = timezone.now()
        current.used_at = now
        current.save(update_fields=["used_at"])
        self._move(
            SignatureStatus.SIGNED,
            allowed_from=[SignatureStatus.PENDING],
            actor=actor,
            action="signature.sign",
            changes={
                "signed_at": now,
                "signed_ip": ip,
                "signed_user_agent": user_agent[:300],
            },
        )
        return None

    def verify(
        self,
        code: str,
        *,
        actor: User,
        fingerprint: str = "",
        ip: str | None = None,
        user_agent: str = "",
    ) -> None:
        """Check a typed code; on success the request is signed. Raises DomainError otherwise.

        A wrong code's attempt is committed before the error is raised, so call this outside
        any enclosing transaction (no ATOMIC_REQUESTS): otherwise the caller's rollback would
        erase the count and with it the protection against guessing.
        """
        with transaction.atomic():
            error = self.check_code(
                code, actor=actor, fingerprint=fingerprint, ip=ip, user_agent=user_agent
            )
        if error is not None:
            raise DomainError(error)

    def expire(self, *, actor: User) -> None:
        self._move(
            SignatureStatus.EXPIRED,
            allowed_from=[SignatureStatus.PENDING],
            actor=actor,
            action="signature.expire",
        )

    def block(self, *, actor: User) -> None:
        self._move(
            SignatureStatus.FAILED,
            allowed_from=[SignatureStatus.PENDING],
            actor=actor,
            action="signature.block",
        )


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS; only its keyed hash is stored."""

    VALIDITY = timedelta(minutes=10)

    request = models.ForeignKey(SignatureRequest, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    # What was to be signed when the code was sent: a change afterwards invalidates the code.
    data_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "conventions_onetimecode"
        verbose_name = "code à usage unique"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Code #{self.pk} ({self.request_id})"


def void_pending_codes(requests: models.QuerySet[SignatureRequest]) -> int:
    """Retire the unused codes of these pending requests (the data they were sent for is being
    replaced); typing one then says the data changed. Returns how many were voided."""
    now = timezone.now()
    return OneTimeCode.objects.filter(
        request__in=requests.filter(status=SignatureStatus.PENDING),
        used_at__isnull=True,
        expires_at__gt=now,
    ).update(expires_at=now)
