"""The organisation's side of the convention wizard: eligibility, contact details, bank details.

Each step is saved in one transaction holding the organisation's row lock (the one
`conventions.services.convention_sign` takes) while the organisation is still signing: a step
saved at the moment of the signature either lands before it (and voids the code through the
fingerprint) or is refused with `NoLongerSigning`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import BankAccount, Organisation
from passplus.signatures.models import SignatureRequest, void_pending_codes

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from passplus.accounts.models import User

# What the contact step edits (the rest of the identity comes from the identification form).
CONTACT_STEP_FIELDS = (
    "public_name",
    "street",
    "postcode",
    "city",
    "public_contact_name",
    "public_phone",
    "public_email",
    "website",
    "representative_name",
    "representative_role",
    "representative_email",
    "representative_mobile",
)


class NoLongerSigning(DomainError):
    """The convention was signed (or the organisation moved on) while this page was open."""


@contextmanager
def locked_while_signing(organisation: Organisation) -> Iterator[Organisation]:
    """One transaction holding the organisation's row lock, in which it is still signing."""
    with transaction.atomic():
        locked = (
            Organisation.objects.select_for_update(no_key=True)
            .filter(pk=organisation.pk, status=OrganisationStatus.SIGNING)
            .first()
        )
        if locked is None:
            raise NoLongerSigning(
                "La convention de votre organisme vient d'être signée : cette étape ne peut "
                "plus être modifiée."
            )
        yield locked


def organisation_declare_eligibility(
    *, organisation: Organisation, actor: User, non_profit: bool, justification: str
) -> Organisation:
    """Step 2: non-profit or not (a company explains its link with the school programmes), and
    the two declarations (secularism, equal access), dated the first time they are made."""
    justification = "" if non_profit else justification.strip()
    if not non_profit and not justification:
        raise DomainError(
            "Expliquez le lien de vos activités avec les programmes scolaires du collège."
        )
    with locked_while_signing(organisation) as locked:
        now = timezone.now()
        locked.is_non_profit = non_profit
        locked.eligibility_justification = justification
        locked.secularism_declared_at = locked.secularism_declared_at or now
        locked.equal_access_declared_at = locked.equal_access_declared_at or now
        locked.save(
            update_fields=[
                "is_non_profit",
                "eligibility_justification",
                "secularism_declared_at",
                "equal_access_declared_at",
            ]
        )
        record(
            actor=actor,
            action="affiliation.eligibility",
            obj=locked,
            after={"is_non_profit": locked.is_non_profit},
        )
    return locked


def organisation_contact_update(
    *, organisation: Organisation, actor: User, values: Mapping[str, object]
) -> Organisation:
    """Step 3: the address, the directory's contact and the legal representative (`values`
    holds cleaned values of `CONTACT_STEP_FIELDS`, no other field)."""
    unknown = set(values) - set(CONTACT_STEP_FIELDS)
    if unknown:
        raise DomainError(f"Champs inconnus : {', '.join(sorted(unknown))}.")
    with locked_while_signing(organisation) as locked:
        # Only these fields: a full save of an instance read before the lock could write back
        # a status the signature has just changed.
        changed = sorted(name for name, value in values.items() if getattr(locked, name) != value)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(values))
        record(
            actor=actor,
            action="affiliation.contact",
            obj=locked,
            after={"fields": changed},
        )
    return locked


def bank_account_enter_draft(
    *,
    organisation: Organisation,
    actor: User,
    holder: str,
    iban: str,
    bic: str,
    rib_document: UploadedFile[Any] | None,
) -> BankAccount:
    """Step 4: the account to be paid on, as a draft that the signature confirms. Without a new
    RIB file, the draft's file is kept; a code already sent no longer signs anything."""
    with locked_while_signing(organisation) as locked:
        # Read under the lock: the draft seen by the page may have been signed since.
        account = locked.bank_accounts.filter(status=BankAccountStatus.DRAFT).first()
        if account is None:
            account = BankAccount(organisation=locked, status=BankAccountStatus.DRAFT)
        if not rib_document and not account.rib_document:
            raise DomainError("Joignez votre RIB (PDF, JPEG ou PNG).")
        account.holder = holder.strip()
        account.iban = iban
        account.bic = bic
        account.entered_by = actor
        if rib_document:
            account.attach_rib(rib_document)
        account.save()
        # A code sent for the details replaced here no longer signs anything.
        voided = void_pending_codes(
            SignatureRequest.objects.filter(convention__organisation=locked)
        )
        record(
            actor=actor,
            action="affiliation.bank_details",
            obj=account,
            after={"iban": account.masked_iban, "bic": account.bic, "codes_voided": voided},
        )
    return account
