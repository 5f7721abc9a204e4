"""Where an organisation stands in the convention wizard, and the digest of what it signs.

The wizard is resumable because its state is the data itself: each step is done when what it
asks for is stored. The review step is done when the digest of the data it showed still
matches the data; any later change reopens it, and invalidates a code already sent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from passplus.conventions.models import Convention, ConventionStatus, ConventionVersion
from passplus.core.errors import DomainError
from passplus.organisations.enums import BankAccountStatus
from passplus.organisations.models import BankAccount, Organisation

SIGNED_ORGANISATION_FIELDS = (
    "legal_name",
    "acronym",
    "legal_form",
    "siret",
    "rna",
    "creation_date",
    "commune_id",
    "is_non_profit",
    "eligibility_justification",
    "secularism_declared_at",
    "equal_access_declared_at",
    "street",
    "postcode",
    "city",
    "public_name",
    "public_contact_name",
    "public_phone",
    "public_email",
    "website",
    "representative_name",
    "representative_role",
    "representative_email",
    "representative_mobile",
)
CONTACT_FIELDS = (
    "street",
    "postcode",
    "city",
    "public_phone",
    "public_email",
    "public_contact_name",
    "representative_name",
    "representative_role",
    "representative_email",
    "representative_mobile",
)


@dataclass(frozen=True)
class Step:
    slug: str
    title: str


STEPS = (
    Step("eligibilite", "Éligibilité"),
    Step("coordonnees", "Coordonnées"),
    Step("banque", "Coordonnées bancaires"),
    Step("recapitulatif", "Récapitulatif"),
    Step("conditions", "Règlement et conditions"),
    Step("signature", "Signature"),
)
STEP_SLUGS = tuple(step.slug for step in STEPS)


def draft_bank_account(organisation: Organisation) -> BankAccount | None:
    return organisation.bank_accounts.filter(status=BankAccountStatus.DRAFT).first()


def pending_convention(organisation: Organisation) -> Convention:
    """The convention being signed: of the current version, created on first need."""
    convention = (
        organisation.conventions.filter(status=ConventionStatus.PENDING)
        .select_related("version")
        .first()
    )
    if convention is not None:
        return convention
    version = ConventionVersion.objects.filter(is_current=True).first()
    if version is None:
        raise DomainError(
            "Aucune convention n'est publiée pour le moment : contactez le département."
        )
    return Convention.objects.create(organisation=organisation, version=version)


def signing_fingerprint(
    organisation: Organisation, bank_account: BankAccount | None, convention: Convention
) -> str:
    """SHA-256 of everything the signature covers, i.e. everything the sealed PDF shows:
    identity, answers, contacts, representative, bank details, the RIB file's bytes and the
    convention (version)."""
    data: dict[str, object] = {
        name: str(getattr(organisation, name)) for name in SIGNED_ORGANISATION_FIELDS
    }
    if bank_account is not None:
        data["bank"] = bank_account.confirmed_details()  # the RIB by its bytes
    data["version"] = convention.version.label
    data["convention"] = convention.pk
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


class Progress:
    """Which wizard steps are done for one organisation, computed from its stored data."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.convention = pending_convention(organisation)
        self.bank_account = draft_bank_account(organisation)
        self.fingerprint = signing_fingerprint(organisation, self.bank_account, self.convention)
        org = organisation
        self.done = {
            "eligibilite": org.eligibility_declared
            and (org.is_non_profit or bool(org.eligibility_justification.strip())),
            "coordonnees": all(getattr(org, name) for name in CONTACT_FIELDS),
            "banque": self.bank_account is not None and bool(self.bank_account.rib_document),
            "recapitulatif": self.convention.reviewed_fingerprint == self.fingerprint,
            "conditions": bool(
                self.convention.rules_accepted_at and self.convention.terms_accepted_at
            ),
            "signature": False,
        }

    def is_open(self, slug: str) -> bool:
        """A step can be opened once every step before it is done."""
        index = STEP_SLUGS.index(slug)
        return all(self.done[previous] for previous in STEP_SLUGS[:index])

    @property
    def current(self) -> str:
        """The first step not done yet (where "Reprendre" leads)."""
        return next(slug for slug in STEP_SLUGS if not self.done[slug])

    @property
    def ready_to_sign(self) -> bool:
        return self.is_open("signature")

    def steps(self) -> list[dict[str, object]]:
        return [
            {"slug": step.slug, "title": step.title, "done": self.done[step.slug], "number": n}
            for n, step in enumerate(STEPS, start=2)
        ]
