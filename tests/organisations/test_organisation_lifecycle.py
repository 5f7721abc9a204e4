"""Organisation and BankAccount lifecycles (docs/design.md §4): every allowed transition is audited,
every other one is refused and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from passplus.core.errors import DomainError, TransitionError
from passplus.organisations.enums import BankAccountStatus as B
from passplus.organisations.enums import OrganisationStatus as S
from passplus.organisations.models import BankAccount, Organisation
from tests.helpers.database import (
    assert_unchanged,
    audit_trail,
    db_row,
    raw_insert_copy,
    raw_update,
)
from tests.helpers.factories import BankAccountFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "Contrôle en cours"

# The Organisation lifecycle of docs/design.md §4:
# method -> (states it may start from, state reached).
ORGANISATION_LIFECYCLE: dict[str, tuple[set[str], str]] = {
    "start_signing": ({S.IDENTIFIED}, S.SIGNING),
    "affiliate": ({S.SIGNING}, S.AFFILIATED),
    "suspend": ({S.AFFILIATED}, S.SUSPENDED),
    "reactivate": ({S.SUSPENDED}, S.AFFILIATED),
    # Also from identified/signing: an abandoned sign-up needs a way out (docs/decisions.md).
    "terminate": ({S.IDENTIFIED, S.SIGNING, S.AFFILIATED, S.SUSPENDED}, S.TERMINATED),
}
ORGANISATION_ACTIONS = {
    "start_signing": "organisation.start_signing",
    "affiliate": "organisation.affiliate",
    "suspend": "organisation.suspend",
    "reactivate": "organisation.reactivate",
    "terminate": "organisation.terminate",
}
NEEDS_REASON = {"suspend", "terminate"}


def call(obj: Any, method: str, actor: Any, **kwargs: Any) -> None:
    if method in NEEDS_REASON:
        kwargs.setdefault("reason", REASON)
    getattr(obj, method)(actor=actor, **kwargs)


ALLOWED = [
    pytest.param(method, start, end, id=f"{method}-from-{start}")
    for method, (starts, end) in ORGANISATION_LIFECYCLE.items()
    for start in sorted(starts)
]
REFUSED = [
    pytest.param(method, start, id=f"{method}-from-{start}")
    for method, (starts, _end) in ORGANISATION_LIFECYCLE.items()
    for start in S.values
    if start not in starts
]


@pytest.mark.parametrize(("method", "start", "end"), ALLOWED)
def test_an_allowed_organisation_transition_is_saved_and_audited(
    method: str, start: str, end: str
) -> None:
    organisation = OrganisationFactory(status=start)
    staff = UserFactory(gestionnaire=True)

    call(organisation, method, staff)

    assert organisation.status == end
    assert db_row(organisation)["status"] == end
    assert audit_trail(organisation) == [(ORGANISATION_ACTIONS[method], staff.pk)]


@pytest.mark.parametrize(("method", "start"), REFUSED)
def test_an_organisation_transition_not_in_the_lifecycle_is_refused_and_writes_nothing(
    method: str, start: str
) -> None:
    organisation = OrganisationFactory(status=start)
    staff = UserFactory(gestionnaire=True)

    with assert_unchanged(organisation), pytest.raises(TransitionError):
        call(organisation, method, staff)

    assert organisation.status == start


def test_a_suspended_organisation_cannot_be_suspended_again() -> None:
    organisation = OrganisationFactory(suspended=True)

    with assert_unchanged(organisation), pytest.raises(TransitionError) as refusal:
        organisation.suspend(actor=UserFactory(gestionnaire=True), reason=REASON)

    assert "« Suspendu » ne peut pas devenir « Suspendu »" in refusal.value.message


def test_a_terminated_organisation_cannot_be_reactivated() -> None:
    organisation = OrganisationFactory(terminated=True)

    with assert_unchanged(organisation), pytest.raises(TransitionError):
        organisation.reactivate(actor=UserFactory(gestionnaire=True))


def test_the_state_is_checked_in_the_database_not_in_a_stale_object() -> None:
    organisation = OrganisationFactory()
    stale = Organisation.objects.get(pk=organisation.pk)
    staff = UserFactory(gestionnaire=True)
    organisation.suspend(actor=staff, reason=REASON)

    with assert_unchanged(organisation), pytest.raises(TransitionError):
        stale.suspend(actor=staff, reason="Un second clic")

    assert stale.status == S.SUSPENDED  # the refusal refreshed the stale object's state
    assert audit_trail(organisation) == [("organisation.suspend", staff.pk)]


def test_affiliation_records_the_affiliation_date() -> None:
    organisation = OrganisationFactory(signing=True)

    organisation.affiliate(actor=UserFactory(gestionnaire=True))

    assert db_row(organisation)["affiliated_at"] is not None


@pytest.mark.parametrize("method", ["suspend", "terminate"])
def test_suspension_and_termination_keep_their_reason_on_the_row_and_in_the_audit(
    method: str,
) -> None:
    organisation = OrganisationFactory()
    staff = UserFactory(gestionnaire=True)

    getattr(organisation, method)(actor=staff, reason="Attestation d'assurance manquante")

    assert db_row(organisation)["status_reason"] == "Attestation d'assurance manquante"
    event = organisation_events(organisation).get()
    assert event.reason == "Attestation d'assurance manquante"
    assert event.before == {"status": S.AFFILIATED}
    assert event.actor_label == staff.email


def organisation_events(organisation: Organisation) -> Any:
    from passplus.audit.models import AuditEvent

    return AuditEvent.objects.for_object(organisation)


@pytest.mark.parametrize("method", sorted(NEEDS_REASON))
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_suspension_and_termination_require_a_reason(method: str, reason: str) -> None:
    organisation = OrganisationFactory()

    with assert_unchanged(organisation), pytest.raises(DomainError, match="motif"):
        getattr(organisation, method)(actor=UserFactory(gestionnaire=True), reason=reason)


def test_a_suspended_organisation_may_not_redeem_and_is_not_listed_until_reactivated() -> None:
    organisation = OrganisationFactory()
    staff = UserFactory(gestionnaire=True)

    organisation.suspend(actor=staff, reason=REASON)
    assert not organisation.may_redeem
    assert not Organisation.objects.listed().filter(pk=organisation.pk).exists()
    assert not Organisation.objects.may_redeem().filter(pk=organisation.pk).exists()

    organisation.reactivate(actor=staff)
    assert organisation.may_redeem
    assert Organisation.objects.listed().filter(pk=organisation.pk).exists()
    assert audit_trail(organisation) == [
        ("organisation.suspend", staff.pk),
        ("organisation.reactivate", staff.pk),
    ]


# Bank accounts ---------------------------------------------------------------------------------

BANK_LIFECYCLE: dict[str, tuple[set[str], str]] = {
    "confirm": ({B.DRAFT}, B.PENDING),
    "validate": ({B.PENDING}, B.VALIDATED),
    "reject": ({B.PENDING}, B.REJECTED),
    "invalidate": ({B.VALIDATED}, B.INVALID),
}
BANK_ACTIONS = {
    "confirm": "bank_account.confirm",
    "validate": "bank_account.validate",
    "reject": "bank_account.reject",
    "invalidate": "bank_account.invalidate",
}


def call_bank(account: BankAccount, method: str, actor: Any) -> None:
    kwargs = {"reason": "RIB illisible"} if method in {"reject", "invalidate"} else {}
    getattr(account, method)(actor=actor, **kwargs)


@pytest.mark.parametrize(
    ("method", "start", "end"),
    [
        pytest.param(method, start, end, id=f"{method}-from-{start}")
        for method, (starts, end) in BANK_LIFECYCLE.items()
        for start in sorted(starts)
    ],
)
def test_an_allowed_bank_account_transition_is_saved_and_audited(
    method: str, start: str, end: str
) -> None:
    account = BankAccountFactory(status=start, entered_by=UserFactory(organisation_member=True))
    staff = UserFactory(finance=True)

    call_bank(account, method, staff)

    assert db_row(account)["status"] == end
    assert audit_trail(account) == [(BANK_ACTIONS[method], staff.pk)]


@pytest.mark.parametrize(
    ("method", "start"),
    [
        pytest.param(method, start, id=f"{method}-from-{start}")
        for method, (starts, _end) in BANK_LIFECYCLE.items()
        for start in B.values
        if start not in starts
    ],
)
def test_a_bank_account_transition_not_in_the_lifecycle_is_refused_and_writes_nothing(
    method: str, start: str
) -> None:
    account = BankAccountFactory(status=start)

    with assert_unchanged(account), pytest.raises(TransitionError):
        call_bank(account, method, UserFactory(finance=True))


def test_confirmation_by_sms_records_its_date() -> None:
    account = BankAccountFactory()

    account.confirm(actor=UserFactory(organisation_member=True))

    assert db_row(account)["confirmed_at"] is not None


def test_validation_replaces_the_previous_validated_account_and_audits_both() -> None:
    organisation = OrganisationFactory()
    old = BankAccountFactory(organisation=organisation, validated=True)
    new = BankAccountFactory(
        organisation=organisation, pending=True, iban="FR7630004000031234567890143"
    )
    staff = UserFactory(finance=True)

    new.validate(actor=staff)

    assert db_row(old)["status"] == B.REPLACED
    assert db_row(new)["status"] == B.VALIDATED
    assert db_row(new)["reviewed_by_id"] == staff.pk
    assert db_row(new)["reviewed_at"] is not None
    assert organisation.current_bank_account() == new
    assert audit_trail(old) == [("bank_account.replace", staff.pk)]
    assert audit_trail(new) == [("bank_account.validate", staff.pk)]


def test_bank_details_cannot_be_validated_by_the_person_who_entered_them() -> None:
    organisation = OrganisationFactory()
    old = BankAccountFactory(organisation=organisation, validated=True)
    entered_by = UserFactory(finance=True)
    new = BankAccountFactory(organisation=organisation, pending=True, entered_by=entered_by)

    with assert_unchanged(old, new), pytest.raises(DomainError, match="autre personne"):
        new.validate(actor=entered_by)

    assert organisation.current_bank_account() == old


def test_a_refused_validation_keeps_the_previous_validated_account() -> None:
    organisation = OrganisationFactory()
    old = BankAccountFactory(organisation=organisation, validated=True)
    draft = BankAccountFactory(organisation=organisation)  # not confirmed by SMS yet

    with assert_unchanged(old, draft), pytest.raises(TransitionError):
        draft.validate(actor=UserFactory(finance=True))

    assert organisation.current_bank_account() == old


def test_a_rejected_account_leaves_the_validated_one_in_use() -> None:
    organisation = OrganisationFactory()
    old = BankAccountFactory(organisation=organisation, validated=True)
    new = BankAccountFactory(organisation=organisation, pending=True)
    staff = UserFactory(finance=True)

    new.reject(actor=staff, reason="Le RIB ne correspond pas au titulaire")

    assert db_row(new)["status"] == B.REJECTED
    assert db_row(new)["status_reason"] == "Le RIB ne correspond pas au titulaire"
    assert db_row(old)["status"] == B.VALIDATED
    assert organisation.current_bank_account() == old
    assert audit_trail(old) == []


@pytest.mark.parametrize("reason", ["", "  "])
def test_rejecting_bank_details_requires_a_reason(reason: str) -> None:
    account = BankAccountFactory(pending=True)

    with assert_unchanged(account), pytest.raises(DomainError, match="motif"):
        account.reject(actor=UserFactory(finance=True), reason=reason)


def test_an_invalidated_account_is_no_longer_the_current_one() -> None:
    account = BankAccountFactory(validated=True)

    account.invalidate(actor=UserFactory(finance=True), reason="Virement rejeté : compte clos")

    assert db_row(account)["status_reason"] == "Virement rejeté : compte clos"
    assert account.organisation.current_bank_account() is None


def test_the_database_keeps_one_validated_account_per_organisation_against_raw_sql() -> None:
    old = BankAccountFactory(validated=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        raw_insert_copy(old, iban="FR7630004000031234567890143")

    assert BankAccount.objects.filter(organisation=old.organisation).count() == 1


def test_the_database_refuses_turning_a_second_account_validated_by_a_raw_update() -> None:
    old = BankAccountFactory(validated=True)
    other = BankAccountFactory(organisation=old.organisation, pending=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        raw_update(other, status=B.VALIDATED)

    assert db_row(other)["status"] == B.PENDING


def test_validated_accounts_of_different_organisations_do_not_conflict() -> None:
    old = BankAccountFactory(validated=True)

    raw_insert_copy(old, organisation=OrganisationFactory())

    assert BankAccount.objects.validated().count() == 2


@pytest.mark.parametrize("method", ["validate", "reject"])
@pytest.mark.parametrize(
    "traits", [{"organisation_member": True}, {"correspondent": True}, {}], ids=str
)
def test_only_back_office_staff_check_bank_details(method: str, traits: dict[str, Any]) -> None:
    account = BankAccountFactory(pending=True)
    kwargs = {"reason": "RIB illisible"} if method == "reject" else {}

    with assert_unchanged(account), pytest.raises(DomainError, match="agent du département"):
        getattr(account, method)(actor=UserFactory(**traits), **kwargs)


@pytest.mark.parametrize("reason", ["", "  "])
def test_invalidating_bank_details_requires_a_reason(reason: str) -> None:
    account = BankAccountFactory(validated=True)

    with assert_unchanged(account), pytest.raises(DomainError, match="motif"):
        account.invalidate(actor=None, reason=reason)
