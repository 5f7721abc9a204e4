"""The partner space's services, one rule at a time: the wizard's steps (organisations.signing,
conventions.wizard_steps), the account created from the invitation, the public profile
(organisations.profile). Each refusal writes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from passplus.accounts.models import Invitation, InvitationPurpose, Role, User
from passplus.audit.models import AuditEvent
from passplus.conventions.models import Convention
from passplus.conventions.wizard_steps import (
    convention_accept_conditions,
    convention_review,
    partner_account_create,
)
from passplus.core.enums import Domain
from passplus.core.errors import DomainError
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Activity, BankAccount, Organisation
from passplus.organisations.profile import ActivityChange, organisation_profile_update
from passplus.organisations.signing import (
    NoLongerSigning,
    bank_account_enter_draft,
    organisation_contact_update,
    organisation_declare_eligibility,
)
from tests.helpers.affiliation import PDF_BYTES, STRONG_PASSWORD, exe_bytes
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.factories import (
    ActivityFactory,
    ConventionVersionFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

IBAN = "FR7630006000011234567890189"


@pytest.fixture
def signing() -> Organisation:
    ConventionVersionFactory()
    organisation: Organisation = OrganisationFactory(signing=True)
    return organisation


@pytest.fixture
def member(signing: Organisation) -> User:
    user: User = UserFactory(role=Role.ORGANISATION, organisation=signing)
    return user


def rib(content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile("rib.pdf", content, content_type="application/pdf")


# organisations.signing -------------------------------------------------------------------------


def test_eligibility_is_declared_dated_and_audited(signing: Organisation, member: User) -> None:
    saved = organisation_declare_eligibility(
        organisation=signing, actor=member, non_profit=True, justification="ignored"
    )

    assert saved.is_non_profit and saved.eligibility_justification == ""
    assert saved.secularism_declared_at and saved.equal_access_declared_at
    assert ("affiliation.eligibility", member.pk) in audit_trail(signing)


def test_a_company_must_explain_its_link_with_the_school_programmes(
    signing: Organisation, member: User
) -> None:
    with assert_unchanged(signing), pytest.raises(DomainError, match="programmes scolaires"):
        organisation_declare_eligibility(
            organisation=signing, actor=member, non_profit=False, justification="   "
        )


@pytest.mark.parametrize("status", [OrganisationStatus.AFFILIATED, OrganisationStatus.IDENTIFIED])
def test_the_steps_are_refused_once_the_organisation_is_not_signing(
    signing: Organisation, member: User, status: str
) -> None:
    Organisation.objects.filter(pk=signing.pk).update(status=status)

    with assert_unchanged(signing, counted=[BankAccount, Convention]):
        with pytest.raises(NoLongerSigning):
            organisation_declare_eligibility(
                organisation=signing, actor=member, non_profit=True, justification=""
            )
        with pytest.raises(NoLongerSigning):
            organisation_contact_update(
                organisation=signing, actor=member, values={"city": "Nanterre"}
            )
        with pytest.raises(NoLongerSigning):
            bank_account_enter_draft(
                organisation=signing,
                actor=member,
                holder="Club",
                iban=IBAN,
                bic="",
                rib_document=rib(),
            )
        with pytest.raises(NoLongerSigning):
            convention_review(organisation=signing, actor=member)
        with pytest.raises(NoLongerSigning):
            convention_accept_conditions(organisation=signing, actor=member)


def test_the_contact_step_saves_only_its_fields_and_audits_what_changed(
    signing: Organisation, member: User
) -> None:
    organisation_contact_update(
        organisation=signing,
        actor=member,
        values={"city": "Nanterre", "representative_name": signing.representative_name},
    )

    signing.refresh_from_db()
    assert signing.city == "Nanterre"
    event = AuditEvent.objects.for_object(signing).get(action="affiliation.contact")
    assert event.after == {"fields": ["city"]}


def test_the_contact_step_refuses_a_field_it_does_not_edit(
    signing: Organisation, member: User
) -> None:
    with assert_unchanged(signing), pytest.raises(DomainError, match="status"):
        organisation_contact_update(
            organisation=signing,
            actor=member,
            values={"city": "Nanterre", "status": OrganisationStatus.AFFILIATED},
        )


def test_a_bank_draft_needs_a_rib(signing: Organisation, member: User) -> None:
    with (
        assert_unchanged(signing, counted=[BankAccount]),
        pytest.raises(DomainError, match="Joignez votre RIB"),
    ):
        bank_account_enter_draft(
            organisation=signing,
            actor=member,
            holder="Club",
            iban=IBAN,
            bic="",
            rib_document=None,
        )


def test_a_file_that_is_not_a_rib_saves_no_draft(signing: Organisation, member: User) -> None:
    with assert_unchanged(signing, counted=[BankAccount]), pytest.raises(DomainError):
        bank_account_enter_draft(
            organisation=signing,
            actor=member,
            holder="Club",
            iban=IBAN,
            bic="",
            rib_document=rib(exe_bytes()),
        )


def test_a_second_bank_entry_replaces_the_draft_and_keeps_its_rib(
    signing: Organisation, member: User
) -> None:
    first = bank_account_enter_draft(
        organisation=signing, actor=member, holder="Club", iban=IBAN, bic="", rib_document=rib()
    )
    second = bank_account_enter_draft(
        organisation=signing, actor=member, holder=" Club 2 ", iban=IBAN, bic="", rib_document=None
    )

    assert second.pk == first.pk and second.holder == "Club 2" and second.rib_document
    assert BankAccount.objects.filter(organisation=signing).count() == 1


# conventions.wizard_steps ----------------------------------------------------------------------


def test_the_review_is_refused_before_the_previous_steps(
    signing: Organisation, member: User
) -> None:
    with (
        assert_unchanged(signing, counted=[Convention]),
        pytest.raises(DomainError, match="Terminez d'abord"),
    ):
        convention_review(organisation=signing, actor=member)


def test_the_conditions_are_refused_before_the_review(signing: Organisation, member: User) -> None:
    with (
        assert_unchanged(signing, counted=[Convention]),
        pytest.raises(DomainError, match="Terminez d'abord"),
    ):
        convention_accept_conditions(organisation=signing, actor=member)


def affiliation_invitation(
    organisation: Organisation, email: str = "new@club.example.fr"
) -> Invitation:
    invitation, _token = Invitation.issue(
        purpose=InvitationPurpose.AFFILIATION, email=email, organisation=organisation
    )
    return invitation


def create_account(invitation: Invitation) -> User:
    return partner_account_create(
        invitation=invitation, password=STRONG_PASSWORD, first_name="Jeanne", last_name="Martin"
    )


def test_the_invitation_creates_the_account_and_the_organisation_starts_signing() -> None:
    ConventionVersionFactory()
    organisation = OrganisationFactory(identified=True)

    user = create_account(affiliation_invitation(organisation))

    organisation.refresh_from_db()
    assert user.organisation == organisation and user.role == Role.ORGANISATION
    assert organisation.status == OrganisationStatus.SIGNING
    assert organisation.conventions.count() == 1


def test_a_used_invitation_creates_nothing(signing: Organisation) -> None:
    invitation = affiliation_invitation(signing)
    Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    invitation.refresh_from_db()

    with (
        assert_unchanged(signing, invitation, counted=[User, Convention]),
        pytest.raises(DomainError, match="déjà été utilisé"),
    ):
        create_account(invitation)


def test_a_member_invitation_does_not_create_a_signing_account(signing: Organisation) -> None:
    invitation, _token = Invitation.issue(
        purpose=InvitationPurpose.MEMBER, email="m@club.example.fr", organisation=signing
    )

    with (
        assert_unchanged(signing, invitation, counted=[User, Convention]),
        pytest.raises(DomainError, match="signer la convention"),
    ):
        create_account(invitation)


def test_an_address_that_has_an_account_leaves_the_invitation_usable(
    signing: Organisation,
) -> None:
    UserFactory(email="taken@club.example.fr")
    invitation = affiliation_invitation(signing, "taken@club.example.fr")

    with (
        assert_unchanged(signing, invitation, counted=[User, Convention]),
        pytest.raises(DomainError, match="existe déjà"),
    ):
        create_account(invitation)


# organisations.profile -------------------------------------------------------------------------


@pytest.fixture
def affiliated() -> Organisation:
    organisation: Organisation = OrganisationFactory()
    return organisation


def activity_values(**overrides: object) -> dict[str, object]:
    return {
        "name": "Football U13",
        "domain": Domain.SPORT,
        "activity_type": "football",
        "place": "Stade",
        "min_age": 11,
        "max_age": 13,
        "description": "",
        **overrides,
    }


def test_the_profile_and_its_activities_change_together_and_are_audited(
    affiliated: Organisation,
) -> None:
    actor = UserFactory(role=Role.ORGANISATION, organisation=affiliated)
    kept, dropped = (
        ActivityFactory(organisation=affiliated),
        ActivityFactory(organisation=affiliated),
    )

    organisation_profile_update(
        organisation=affiliated,
        actor=actor,
        values={"public_name": "Club renommé"},
        activities=[
            ActivityChange(pk=kept.pk, values=activity_values(name="Basket")),
            ActivityChange(pk=dropped.pk, delete=True),
            ActivityChange(pk=None, values=activity_values(name="Judo")),
        ],
    )

    affiliated.refresh_from_db()
    assert affiliated.public_name == "Club renommé"
    assert sorted(affiliated.activities.values_list("name", flat=True)) == ["Basket", "Judo"]
    assert ("organisation.profile_update", actor.pk) in audit_trail(affiliated)


def test_another_organisations_activity_cannot_be_changed(affiliated: Organisation) -> None:
    actor = UserFactory(role=Role.ORGANISATION, organisation=affiliated)
    ActivityFactory(organisation=affiliated)
    foreign = ActivityFactory()

    with assert_unchanged(affiliated, foreign, counted=[Activity]):
        with pytest.raises(DomainError, match="pas une activité de votre organisme"):
            organisation_profile_update(
                organisation=affiliated,
                actor=actor,
                values={"public_name": "Club renommé"},
                activities=[ActivityChange(pk=foreign.pk, values=activity_values())],
            )
        with pytest.raises(DomainError, match="pas une activité de votre organisme"):
            organisation_profile_update(
                organisation=affiliated,
                actor=actor,
                values={},
                activities=[ActivityChange(pk=foreign.pk, delete=True)],
            )


def test_an_activity_in_a_domain_not_offered_is_refused(affiliated: Organisation) -> None:
    actor = UserFactory(role=Role.ORGANISATION, organisation=affiliated)
    ActivityFactory(organisation=affiliated)

    with assert_unchanged(affiliated, counted=[Activity]), pytest.raises(DomainError):
        organisation_profile_update(
            organisation=affiliated,
            actor=actor,
            values={"public_name": "Club renommé"},
            activities=[ActivityChange(pk=None, values=activity_values(domain=Domain.CULTURE))],
        )


def test_the_last_activity_cannot_be_deleted(affiliated: Organisation) -> None:
    actor = UserFactory(role=Role.ORGANISATION, organisation=affiliated)
    only = ActivityFactory(organisation=affiliated)

    with (
        assert_unchanged(affiliated, only, counted=[Activity]),
        pytest.raises(DomainError, match="Gardez au moins une activité"),
    ):
        organisation_profile_update(
            organisation=affiliated,
            actor=actor,
            values={"public_name": "Club renommé"},
            activities=[ActivityChange(pk=only.pk, delete=True)],
        )


@pytest.mark.parametrize("field", ["status", "legal_name", "representative_mobile"])
def test_the_profile_does_not_edit_the_legal_identity(affiliated: Organisation, field: str) -> None:
    actor = UserFactory(role=Role.ORGANISATION, organisation=affiliated)
    ActivityFactory(organisation=affiliated)

    with assert_unchanged(affiliated, counted=[Activity]), pytest.raises(DomainError, match=field):
        organisation_profile_update(
            organisation=affiliated, actor=actor, values={field: "x"}, activities=[]
        )
