"""Where an organisation stands in the convention wizard, for its commune's correspondent
(issue 33 §4). Read-only: unlike affiliation.Progress, nothing is created (no pending convention
on a correspondent's GET); the rules of each step are Progress's."""

from __future__ import annotations

from passplus.conventions.affiliation import (
    CONTACT_FIELDS,
    STEPS,
    draft_bank_account,
    signing_fingerprint,
)
from passplus.conventions.models import ConventionStatus
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation

TOTAL_STEPS = 7  # the account (1), then the wizard's six steps (2 to 7)
NO_ACCOUNT = "Compte pas encore créé"
SIGNED = "Convention signée"


def step_reached(organisation: Organisation) -> str:
    """« Étape 3 sur 7 : Coordonnées » for an organisation signing; its account or its signed
    convention otherwise."""
    if organisation.status == OrganisationStatus.IDENTIFIED:
        return NO_ACCOUNT
    if organisation.status != OrganisationStatus.SIGNING:
        return SIGNED
    org = organisation
    convention = (
        org.conventions.filter(status=ConventionStatus.PENDING).select_related("version").first()
    )
    bank_account = draft_bank_account(org)
    done = [
        org.eligibility_declared
        and (org.is_non_profit or bool(org.eligibility_justification.strip())),
        all(getattr(org, name) for name in CONTACT_FIELDS),
        bank_account is not None and bool(bank_account.rib_document),
        convention is not None
        and convention.reviewed_fingerprint == signing_fingerprint(org, bank_account, convention),
        convention is not None
        and bool(convention.rules_accepted_at and convention.terms_accepted_at),
        False,
    ]
    index = done.index(False)
    return f"Étape {index + 2} sur {TOTAL_STEPS} : {STEPS[index].title}"
