"""Signing the convention with a one-time SMS code: send the code, check it, seal and store the
signed PDF, affiliate the organisation and e-mail the document — each in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from passplus.audit.models import record
from passplus.conventions.affiliation import Progress
from passplus.conventions.documents import sign_document
from passplus.conventions.models import Convention, ConventionStatus
from passplus.core.errors import DomainError
from passplus.notifications.tasks import email_later, sms_later
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import BankAccount, Organisation
from passplus.signatures.models import (
    OneTimeCode,
    SignaturePurpose,
    SignatureRequest,
    SignatureStatus,
)
from passplus.signatures.sms_caps import check_sms_caps
from passplus.signatures.sms_text import convention_code_sms

if TYPE_CHECKING:
    from passplus.accounts.models import User


def _require_ready(organisation: Organisation) -> Progress:
    if organisation.status != OrganisationStatus.SIGNING:
        raise DomainError("La convention de cet organisme n'est pas en cours de signature.")
    if not organisation.is_old_enough():
        raise DomainError(
            f"Votre organisme doit avoir au moins "
            f"{settings.PASSPLUS_MIN_ORGANISATION_AGE_YEARS} ans d'existence à la date de "
            f"signature : il pourra signer à partir du {organisation.eligible_from:%d/%m/%Y}."
        )
    progress = Progress(organisation)
    if not progress.ready_to_sign:
        raise DomainError(
            "Complétez et validez d'abord toutes les étapes précédentes, puis demandez le code."
        )
    return progress


def _signature_request(progress: Progress, *, actor: User) -> SignatureRequest:
    """The pending signature of this convention, for the current representative's mobile."""
    organisation = progress.organisation
    current = (
        SignatureRequest.objects.filter(
            convention=progress.convention, status=SignatureStatus.PENDING
        )
        .order_by("-created_at")
        .first()
    )
    if current is not None and (
        current.phone == organisation.representative_mobile
        and current.signer_name == organisation.representative_name
    ):
        return current
    if current is not None:  # the representative changed: start a new evidence record
        current.expire(actor=actor)
    return SignatureRequest.objects.create(
        purpose=SignaturePurpose.CONVENTION,
        organisation=organisation,
        convention=progress.convention,
        signer_name=organisation.representative_name,
        phone=organisation.representative_mobile,
        requested_by=actor,
    )


def convention_send_code(*, organisation: Organisation, actor: User) -> SignatureRequest:
    """Send a 6-digit code by SMS to the legal representative (the SMS is queued with it)."""
    progress = _require_ready(organisation)
    with transaction.atomic():
        signature = _signature_request(progress, actor=actor)
        code = signature.issue_code(fingerprint=progress.fingerprint)
        check_sms_caps(signature=signature)
        sms_later(
            to=signature.phone,
            text=convention_code_sms(
                scheme=settings.PASSPLUS_SCHEME_NAME,
                name=organisation.display_name,
                acronym=organisation.acronym,
                code=code,
            ),
            valid_until=timezone.now() + OneTimeCode.VALIDITY,
        )
        record(actor=actor, action="signature.send_code", obj=signature)
    return signature


def convention_sign(
    *, organisation: Organisation, code: str, actor: User, ip: str | None, user_agent: str
) -> Convention:
    """Check the code; if right, sign, seal, store, affiliate and e-mail in one transaction.

    The organisation, its draft bank account and the convention are locked first and the
    fingerprint recomputed from them (RIB bytes included), so the PDF sealed, the account
    confirmed and the e-mail sent all show what the code was sent for; the wizard's steps take
    the same organisation lock before writing. A wrong code's attempt is committed and a
    DomainError raised after the transaction, so the count survives (do not call this inside
    another transaction).
    """
    with transaction.atomic():
        locked = Organisation.objects.select_for_update(no_key=True).get(pk=organisation.pk)
        list(
            BankAccount.objects.select_for_update(no_key=True).filter(
                organisation=locked, status=BankAccountStatus.DRAFT
            )
        )
        list(
            Convention.objects.select_for_update(no_key=True).filter(
                organisation=locked, status=ConventionStatus.PENDING
            )
        )
        progress = _require_ready(locked)
        signature = (
            SignatureRequest.objects.select_for_update(no_key=True)
            .filter(convention=progress.convention, status=SignatureStatus.PENDING)
            .order_by("-created_at")
            .first()
        )
        if signature is None:
            raise DomainError("Demandez d'abord le code de signature.")
        error = signature.check_code(
            code, actor=actor, fingerprint=progress.fingerprint, ip=ip, user_agent=user_agent
        )
        if error is None:
            _finish_signature(progress, signature, actor=actor)
    if error is not None:
        raise DomainError(error)
    convention = progress.convention
    convention.refresh_from_db()
    return convention


def _finish_signature(progress: Progress, signature: SignatureRequest, *, actor: User) -> None:
    organisation, convention, bank_account = (
        progress.organisation,
        progress.convention,
        progress.bank_account,
    )
    assert bank_account is not None  # guaranteed by ready_to_sign
    bank_account.confirm(actor=actor)
    convention.sign(actor=actor)
    convention_store_signed_document(
        convention=convention, signature=signature, bank_account=bank_account
    )
    organisation.affiliate(actor=actor)
    _email_signed_convention(organisation, convention, actor=actor)


def convention_store_signed_document(
    *, convention: Convention, signature: SignatureRequest, bank_account: BankAccount | None
) -> None:
    """Render, seal and store the signed convention; keep both digests as evidence."""

    document = sign_document(convention, signature, bank_account)
    name = f"convention-{convention.version.label}-{convention.organisation_id}.pdf"
    convention.signed_pdf.save(name, ContentFile(document.pdf), save=False)
    convention.pdf_sha256 = document.sealed_sha256
    convention.save(update_fields=["signed_pdf", "pdf_sha256"])
    signature.document_sha256 = document.content_sha256
    signature.save(update_fields=["document_sha256"])


def _email_signed_convention(
    organisation: Organisation, convention: Convention, *, actor: User
) -> None:
    recipients = sorted(
        {
            email
            for email in (organisation.representative_email, getattr(actor, "email", ""))
            if email
        }
    )
    context = {
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
        "organisation": organisation,
        "convention": convention,
        "signed_at": timezone.localtime(convention.signed_at),
        "space_url": settings.SITE_URL + reverse("partner:home"),
        "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
    }
    email_later(
        to=recipients,
        subject=f"{settings.PASSPLUS_SCHEME_NAME} : votre convention signée",
        body=render_to_string("conventions/emails/signed.txt", context),
        html_body=render_to_string("conventions/emails/signed.html", context),
        attachment_paths=[
            (
                f"convention-passplus-{convention.version.label}.pdf",
                str(convention.signed_pdf.name),
                "application/pdf",
            )
        ],
        about=f"convention-signed:{convention.pk}",
    )
