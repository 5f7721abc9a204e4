"""Where an organisation stands in the convention wizard, for its commune's correspondent
(issue 33 §4). Read-only: unlike affiliation.Progress, nothing is created (no pending convention
on a correspondent's GET); the rules of each step are Progress's. A table of organisations loads
what it reads for all of them at once (with_step_data): two queries, not two per row."""

from __future__ import annotations

from typing import cast

from django.db.models import Prefetch, QuerySet

from passplus.conventions.affiliation import (
    CONTACT_FIELDS,
    STEPS,
    draft_bank_account,
    signing_fingerprint,
)
from passplus.conventions.models import Convention, ConventionStatus
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import BankAccount, Organisation

TOTAL_STEPS = 7  # the account (1), then the wizard's six steps (2 to 7)
NO_ACCOUNT = "Compte pas encore créé"
SIGNED = "Convention signée"
# Where with_step_data puts each organisation's pending conventions and draft bank details
# (the model's order: the first is the one draft_bank_account and pending_convention read).
PENDING_CONVENTIONS = "step_pending_conventions"
DRAFT_BANK_ACCOUNTS = "step_draft_bank_accounts"


def with_step_data(organisations: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """`organisations` with what step_reached reads of those signing loaded in two queries."""
    signing = OrganisationStatus.SIGNING
    return organisations.prefetch_related(
        Prefetch(
            "conventions",
            queryset=Convention.objects.filter(
                status=ConventionStatus.PENDING, organisation__status=signing
            ).select_related("version"),
            to_attr=PENDING_CONVENTIONS,
        ),
        Prefetch(
            "bank_accounts",
            queryset=BankAccount.objects.filter(
                status=BankAccountStatus.DRAFT, organisation__status=signing
            ),
            to_attr=DRAFT_BANK_ACCOUNTS,
        ),
    )


def _first_loaded(organisation: Organisation, attribute: str) -> object:
    loaded: list[object] = getattr(organisation, attribute)
    return loaded[0] if loaded else None


def step_reached(organisation: Organisation) -> str:
    """« Étape 3 sur 7 : Coordonnées » for an organisation signing; its account or its signed
    convention otherwise."""
    if organisation.status == OrganisationStatus.IDENTIFIED:
        return NO_ACCOUNT
    if organisation.status != OrganisationStatus.SIGNING:
        return SIGNED
    org = organisation
    convention: Convention | None
    bank_account: BankAccount | None
    if hasattr(org, PENDING_CONVENTIONS) and hasattr(org, DRAFT_BANK_ACCOUNTS):
        convention = cast(Convention | None, _first_loaded(org, PENDING_CONVENTIONS))
        bank_account = cast(BankAccount | None, _first_loaded(org, DRAFT_BANK_ACCOUNTS))
    else:
        convention = (
            org.conventions.filter(status=ConventionStatus.PENDING)
            .select_related("version")
            .first()
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
