"""Changing an affiliated organisation's bank details: the scheme's main fraud risk.

Entered in the partner space (with a RIB document) → confirmed by the legal representative with
an SMS code (the code is bound to the details it confirms) → `pending` until a back-office agent,
never the person who entered them, checks the RIB and validates or rejects them. Only a validated
account is ever paid; validating one replaces the previous one, which stays as history. At each
step every user of the organisation and the legal representative are e-mailed.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.notifications.tasks import email_later, sms_later
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import BankAccount, Organisation
from passplus.signatures.models import (
    OneTimeCode,
    SignaturePurpose,
    SignatureRequest,
    SignatureStatus,
    void_pending_codes,
)
from passplus.signatures.sms_caps import check_sms_caps

if TYPE_CHECKING:
    from passplus.accounts.models import User

B = BankAccountStatus
MAY_CHANGE = (OrganisationStatus.AFFILIATED, OrganisationStatus.SUSPENDED)


class BankChangeEvent:
    """What the e-mail tells (subject, sentence)."""

    ENTERED = ("saisies", "de nouvelles coordonnées bancaires ont été saisies")
    CONFIRMED = ("confirmées", "le changement de coordonnées bancaires a été confirmé par SMS")
    VALIDATED = ("validées", "vos nouvelles coordonnées bancaires ont été validées")
    REJECTED = ("refusées", "les nouvelles coordonnées bancaires ont été refusées")


def change_in_progress(organisation: Organisation) -> BankAccount | None:
    """The change not yet settled: a draft waiting for its SMS code, or one waiting for the
    back office."""
    return (
        organisation.bank_accounts.filter(status__in=[B.DRAFT, B.PENDING])
        .order_by("-created_at")
        .first()
    )


def fingerprint(account: BankAccount) -> str:
    """What the SMS code confirms (the details and the RIB file's bytes): a later change of
    any of them voids the code."""
    data = json.dumps(account.confirmed_details(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def bank_change_enter(
    *,
    organisation: Organisation,
    actor: User,
    holder: str,
    iban: str,
    bic: str,
    rib_document: UploadedFile[bytes],
) -> BankAccount:
    """Record new details as a draft (replacing an unconfirmed draft, if any)."""
    if organisation.status not in MAY_CHANGE:
        raise DomainError(
            "Les coordonnées bancaires se modifient ici une fois la convention signée."
        )
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        current = change_in_progress(organisation)
        if current is not None and current.status == B.PENDING:
            raise DomainError(
                "Un changement de coordonnées bancaires attend déjà la vérification du "
                "département : attendez sa décision avant d'en saisir un autre."
            )
        account = current or BankAccount(organisation=organisation, status=B.DRAFT)
        account.holder = holder.strip()
        account.iban = iban
        account.bic = bic
        account.entered_by = actor
        account.attach_rib(rib_document)
        account.save()
        # A code sent for the details replaced here no longer confirms anything.
        voided = _void_codes(account) if account.pk and current is not None else 0
        record(
            actor=actor,
            action="bank_account.enter",
            obj=account,
            after={
                "iban": account.masked_iban,
                "bic": account.bic,
                "holder": account.holder,
                "codes_voided": voided,
            },
        )
        _notify(organisation, account, BankChangeEvent.ENTERED, actor=actor)
    return account


def _void_codes(account: BankAccount) -> int:

    return void_pending_codes(SignatureRequest.objects.filter(bank_account=account))


def _locked_draft(organisation: Organisation) -> BankAccount:
    """The draft, read under the same locks as `bank_change_enter` takes (the organisation,
    then its unsettled accounts): nobody can change it until the caller's transaction ends."""
    Organisation.objects.select_for_update(no_key=True).get(pk=organisation.pk)
    unsettled = list(
        BankAccount.objects.select_for_update(no_key=True)
        .filter(organisation=organisation, status__in=[B.DRAFT, B.PENDING])
        .order_by("-created_at", "-id")
    )
    if not unsettled or unsettled[0].status != B.DRAFT:
        raise DomainError("Aucun changement de coordonnées bancaires n'attend de code.")
    return unsettled[0]


def _draft(organisation: Organisation) -> BankAccount:
    current = change_in_progress(organisation)
    if current is None or current.status != B.DRAFT:
        raise DomainError("Aucun changement de coordonnées bancaires n'attend de code.")
    return current


def _signature_request(account: BankAccount, *, actor: User) -> SignatureRequest:
    """The pending SMS signature of this draft, for the current representative's mobile."""

    organisation = account.organisation
    if not organisation.representative_mobile:
        raise DomainError(
            "Aucun portable de représentant légal n'est enregistré : contactez le département."
        )
    current = (
        SignatureRequest.objects.filter(bank_account=account, status=SignatureStatus.PENDING)
        .order_by("-created_at")
        .first()
    )
    if current is not None and current.phone == organisation.representative_mobile:
        return current
    if current is not None:
        current.expire(actor=actor)
    return SignatureRequest.objects.create(
        purpose=SignaturePurpose.BANK_ACCOUNT,
        organisation=organisation,
        bank_account=account,
        signer_name=organisation.representative_name,
        phone=organisation.representative_mobile,
        requested_by=actor,
    )


def bank_change_send_code(*, organisation: Organisation, actor: User) -> SignatureRequest:
    """Send the legal representative a 6-digit code (same rules as the convention signature:
    10 minutes, 5 tries per code, 5 codes, 30 seconds between two sends, and the caps per
    organisation and per number of `signatures.sms_caps`)."""

    with transaction.atomic():
        account = _draft(organisation)
        signature = _signature_request(account, actor=actor)
        code = signature.issue_code(fingerprint=fingerprint(account))
        check_sms_caps(signature=signature)
        sms_later(
            to=signature.phone,
            text=(
                f"{settings.PASSPLUS_SCHEME_NAME} : code de confirmation du changement de "
                f"coordonnées bancaires ({account.masked_iban[-5:]}) : {code}. Valable 10 "
                "minutes. Si vous n'êtes pas à l'origine de ce changement, ne le communiquez "
                "pas et contactez le département."
            ),
            valid_until=timezone.now() + OneTimeCode.VALIDITY,
        )
        record(actor=actor, action="signature.send_code", obj=signature)
    return signature


def bank_change_confirm(
    *, organisation: Organisation, code: str, actor: User, ip: str | None, user_agent: str
) -> BankAccount:
    """Check the code; if right, the draft becomes pending (for the back office) and everyone is
    told. A wrong try is committed before the error is raised (do not call inside a
    transaction)."""

    with transaction.atomic():
        # Locked, then fingerprinted from the locked row and the RIB's bytes: the details
        # confirmed, e-mailed and later paid are the ones the code was sent for.
        account = _locked_draft(organisation)
        signature = (
            SignatureRequest.objects.select_for_update(no_key=True)
            .filter(bank_account=account, status=SignatureStatus.PENDING)
            .order_by("-created_at")
            .first()
        )
        if signature is None:
            raise DomainError("Demandez d'abord le code de confirmation.")
        error = signature.check_code(
            code, actor=actor, fingerprint=fingerprint(account), ip=ip, user_agent=user_agent
        )
        if error is None:
            account.confirm(actor=actor)
            _notify(organisation, account, BankChangeEvent.CONFIRMED, actor=actor)
    if error is not None:
        raise DomainError(error)
    return account


def bank_account_validate(*, account: BankAccount, actor: User) -> None:
    """Back office: the RIB matches; this account is paid from the next run on."""
    with transaction.atomic():
        account.validate(actor=actor)
        _notify(account.organisation, account, BankChangeEvent.VALIDATED, actor=actor)


def bank_account_reject(*, account: BankAccount, actor: User, reason: str) -> None:
    """Back office: the RIB does not match; the previous account (if any) stays in use."""
    with transaction.atomic():
        account.reject(actor=actor, reason=reason)
        _notify(account.organisation, account, BankChangeEvent.REJECTED, actor=actor)


def _notify(
    organisation: Organisation, account: BankAccount, event: tuple[str, str], *, actor: User
) -> None:
    recipients = organisation.notification_emails
    if not recipients:
        return
    subject_word, sentence = event
    context = {
        "organisation": organisation,
        "account": account,
        "sentence": sentence,
        "when": timezone.localtime(),
        "actor_label": getattr(actor, "email", "") or "le département",
        "rejected": event == BankChangeEvent.REJECTED,
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
        "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
    }
    email_later(
        to=recipients,
        subject=f"{settings.PASSPLUS_SCHEME_NAME} : coordonnées bancaires {subject_word}",
        body=render_to_string("organisations/emails/bank_details_changed.txt", context),
        about=f"bank-details-{subject_word}:{account.pk}",  # each event once per account
    )
