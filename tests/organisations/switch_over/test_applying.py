"""Importing checked lines (passplus/organisations/switch_over/applying.py): a new
organisation arrives `affiliated` with its convention, bank details (pending, four eyes) and
activities, its contact invited; the same file again changes nothing; a later file changes the
public details and contacts but only lists a different IBAN; an organisation that joined
through the platform is never touched."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Invitation, InvitationPurpose, User
from passplus.audit.models import AuditEvent
from passplus.core.enums import Domain
from passplus.core.errors import DomainError
from passplus.organisations.enums import BankAccountStatus, LegalForm, OrganisationStatus
from passplus.organisations.models import (
    Activity,
    BankAccount,
    ImportedOrganisation,
    Organisation,
)
from passplus.organisations.switch_over.applying import (
    BANK_DIFFERENCE_MESSAGE,
    ApplyResult,
    apply_lines,
)
from passplus.organisations.switch_over.lines import OrganisationLine
from passplus.organisations.tasks import organisation_import_invite
from tests.helpers import factories
from tests.helpers.affiliation import PDF_BYTES, PNG_BYTES
from tests.helpers.database import assert_unchanged
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

SHA = "ab" * 32
IBAN = "FR7630006000011234567890189"
OTHER_IBAN = "FR7630004000031234567890143"
COUNTED = [
    Organisation,
    ImportedOrganisation,
    BankAccount,
    Activity,
    Invitation,
    AuditEvent,
    DBTaskResult,
]


def line(number: int = 2, **overrides: Any) -> OrganisationLine:
    values: dict[str, Any] = {
        "line": number,
        "legal_name": f"Union sportive n°{number}",
        "acronym": f"US{number}",
        "legal_form": LegalForm.ASSOCIATION.value,
        "siret": f"{number:014d}",
        "rna": "",
        "creation_date": dt.date(2001, 9, 1),
        "is_non_profit": True,
        "offers_sport": True,
        "offers_culture": False,
        "street": "1 rue du Stade",
        "postcode": "92000",
        "commune_id": factories.commune().pk,
        "public_name": "",
        "public_phone": "+33140000000",
        "public_email": f"contact{number}@club.example.fr",
        "website": "https://club.example.fr",
        "description": "Football et basket pour les collégiens.",
        "contact_name": "Jeanne Durand",
        "contact_email": f"jeanne{number}@club.example.fr",
        "contact_mobile": "+33612345678",
        "representative_name": "Paul Martin",
        "representative_role": "Président",
        "representative_email": f"president{number}@club.example.fr",
        "representative_mobile": "+33687654321",
        "iban": IBAN,
        "bic": "BNPAFRPP",
        "holder": f"Union sportive n°{number}",
        "bank_validated": True,
        "convention_signed_on": dt.date(2024, 9, 2),
        "convention_version": "2024-1",
        "rib_file": "",
        "convention_file": "",
    }
    values.update(overrides)
    return OrganisationLine(**values)


class FakeArchive:
    """The documents archive's reading side (documents.DocumentArchive), in memory."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def read(self, name: str) -> bytes:
        return self.files[name]


@pytest.fixture
def importer() -> User:
    return factories.UserFactory(gestionnaire=True)


def run(lines: list[OrganisationLine], actor: User, **kwargs: Any) -> ApplyResult:
    options: dict[str, Any] = {"source": None, "sha256": SHA, "archive": None, **kwargs}
    return apply_lines(lines, actor=actor, **options)


def test_a_new_line_creates_an_affiliated_organisation_with_all_it_had(importer: User) -> None:
    archive = FakeArchive({"rib-2.png": PNG_BYTES, "convention-2.pdf": PDF_BYTES})
    result = run(
        [line(rib_file="rib-2.png", convention_file="convention-2.pdf", offers_culture=True)],
        importer,
        archive=archive,
    )

    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    organisation = Organisation.objects.get(siret="00000000000002")
    assert organisation.status == OrganisationStatus.AFFILIATED
    assert organisation.affiliated_at is not None
    assert organisation.public_name == "US2"  # no « nom affiché »: the acronym
    assert organisation.city == factories.commune().name
    assert organisation.representative_mobile == "+33687654321"
    # The previous system's convention implies the two declarations, dated its signature.
    assert organisation.eligibility_declared
    assert organisation.secularism_declared_at is not None
    assert organisation.secularism_declared_at.date() <= dt.date(2024, 9, 2)
    # Listed in the directory, found by its name and its activities.
    assert Organisation.objects.listed().search("sportives").get() == organisation
    assert sorted(organisation.activities.values_list("domain", "name")) == [
        (Domain.CULTURE, "Activités culturelles"),
        (Domain.SPORT, "Activités sportives"),
    ]

    imported = organisation.imported
    assert (imported.line, imported.contact_email) == (2, "jeanne2@club.example.fr")
    assert imported.convention_signed_on == dt.date(2024, 9, 2)
    assert imported.convention_version_label == "2024-1"
    assert imported.convention_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    with imported.convention_document.open("rb") as stored:
        assert stored.read() == PDF_BYTES

    account = organisation.bank_accounts.get()
    assert account.status == BankAccountStatus.PENDING
    assert (account.iban, account.entered_by, account.previously_validated) == (
        IBAN,
        importer,
        True,
    )
    assert account.rib_document.name.endswith(".png")  # from its bytes, never its name
    assert organisation.current_bank_account() is None  # nothing is paid yet

    event = AuditEvent.objects.for_object(organisation).get(action="organisation.import")
    assert event.actor == importer
    assert event.after == {"status": "affiliated", "sha256": SHA, "line": 2}
    bank_event = AuditEvent.objects.for_object(account).get(action="bank_account.import")
    assert bank_event.after["line"] == 2 and IBAN not in str(bank_event.after)

    # The contact is invited to claim the account by a task queued with the import.
    assert not Invitation.objects.exists()
    run_queued_tasks()
    invitation = Invitation.objects.get(organisation=organisation)
    assert invitation.purpose == InvitationPurpose.CLAIM
    assert invitation.email == "jeanne2@club.example.fr"
    imported.refresh_from_db()
    assert imported.invitation == invitation and imported.last_invited_at is not None
    assert [message.to for message in mail.outbox] == [["jeanne2@club.example.fr"]]
    assert "déjà partenaire" in mail.outbox[0].subject


def test_a_commercial_organisation_arrives_with_its_eligibility_accepted(importer: User) -> None:
    run([line(legal_form=LegalForm.COMPANY.value, is_non_profit=False)], importer)

    organisation = Organisation.objects.get()
    assert not organisation.needs_eligibility_review
    assert "système précédent" in organisation.eligibility_justification
    assert organisation.eligibility_reviewed_by is None  # nobody here reviewed it


def test_importing_the_same_lines_again_changes_nothing(importer: User) -> None:
    lines = [line(2), line(3, siret="", rna="W921234567")]
    run(lines, importer)
    run_queued_tasks()
    first = Organisation.objects.order_by("pk").first()
    assert first is not None

    with assert_unchanged(first, counted=COUNTED):
        result = run(lines, factories.UserFactory(gestionnaire=True))

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert result.bank_differences == []


def test_a_later_file_changes_the_phone_and_lists_a_different_iban(importer: User) -> None:
    run([line(2), line(3)], importer)
    run_queued_tasks()
    before = BankAccount.objects.get(organisation__siret="00000000000002")

    result = run(
        [line(2, public_phone="+33155555555", iban=OTHER_IBAN, bank_validated=False), line(3)],
        importer,
        sha256="cd" * 32,
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    organisation = Organisation.objects.get(siret="00000000000002")
    assert organisation.public_phone == "+33155555555"
    # The bank details are never changed by a file.
    assert list(organisation.bank_accounts.all()) == [before]
    before.refresh_from_db()
    assert (before.iban, before.previously_validated) == (IBAN, True)
    assert result.bank_differences == [
        {
            "line": 2,
            "organisation_id": organisation.pk,
            "name": "US2",
            "message": BANK_DIFFERENCE_MESSAGE,
            "file_iban": "FR•• •••• •••• •••• •••• ••01 43",
            "current_iban": "FR•• •••• •••• •••• •••• ••01 89",
        }
    ]
    assert BANK_DIFFERENCE_MESSAGE == "coordonnées différentes : à faire confirmer par l'organisme"
    event = AuditEvent.objects.for_object(organisation).get(action="organisation.import_update")
    assert event.before == {"public_phone": "+33140000000"}
    assert event.after == {"public_phone": "+33155555555", "sha256": "cd" * 32, "line": 2}
    # Its contact is not invited again.
    assert Invitation.objects.filter(organisation=organisation).count() == 1


def test_a_later_file_adds_the_activity_of_a_new_domain(importer: User) -> None:
    run([line(2)], importer)

    result = run([line(2, offers_culture=True, description="Et du théâtre.")], importer)

    assert result.updated == 1
    organisation = Organisation.objects.get()
    assert organisation.offers_culture and organisation.description == "Et du théâtre."
    assert organisation.activities.filter(domain=Domain.CULTURE).count() == 1
    assert Organisation.objects.search("theatre").get() == organisation
    assert Organisation.objects.search("culturelles").get() == organisation


def test_a_changed_contact_is_invited_until_the_account_is_claimed(importer: User) -> None:
    run([line(2), line(3)], importer)
    run_queued_tasks()
    first = Invitation.objects.get(organisation__siret="00000000000002")
    claimed = Organisation.objects.get(siret="00000000000003")
    factories.UserFactory(organisation_member=True, organisation=claimed)

    result = run(
        [
            line(2, contact_email="nouveau2@club.example.fr", representative_name="Anne Roy"),
            line(3, contact_email="nouveau3@club.example.fr", representative_name="Anne Roy"),
        ],
        importer,
    )
    run_queued_tasks()

    assert result.updated == 2
    first.refresh_from_db()
    assert first.revoked_at is not None  # the former address's link stops working
    latest = Invitation.objects.filter(organisation__siret="00000000000002").latest("pk")
    assert latest.email == "nouveau2@club.example.fr" and latest.revoked_at is None
    assert Organisation.objects.get(siret="00000000000002").representative_name == "Anne Roy"
    # Claimed: the contact is recorded, but no new link; the representative is the
    # organisation's own business now (its mobile confirms bank changes).
    claimed.refresh_from_db()
    assert claimed.imported.contact_email == "nouveau3@club.example.fr"
    assert claimed.representative_name == "Paul Martin"
    assert Invitation.objects.filter(organisation=claimed).count() == 1


def test_previously_validated_details_wait_for_a_second_staff_person(importer: User) -> None:
    run([line(2)], importer)
    account = BankAccount.objects.get()

    with assert_unchanged(account), pytest.raises(DomainError, match="autre personne"):
        account.validate(actor=importer)

    other = factories.UserFactory(gestionnaire=True)
    account.validate(actor=other)
    account.refresh_from_db()
    assert account.status == BankAccountStatus.VALIDATED and account.reviewed_by == other


def test_an_organisation_that_joined_through_the_platform_is_never_touched(
    importer: User,
) -> None:
    joined = factories.OrganisationFactory(siret="00000000000003", public_phone="+33100000000")

    with (
        assert_unchanged(joined, counted=COUNTED),
        pytest.raises(DomainError, match=r"Ligne 3 .* déjà partenaire"),
    ):
        run([line(2), line(3, public_phone="+33155555555")], importer)


def test_two_lines_of_one_organisation_import_nothing(importer: User) -> None:
    with (
        assert_unchanged(counted=COUNTED),
        pytest.raises(DomainError, match="Ligne 4 : le même organisme figure déjà ligne 2"),
    ):
        run([line(2), line(4, siret="00000000000002")], importer)


def test_a_failed_import_leaves_neither_rows_nor_documents(importer: User, settings: Any) -> None:
    archive = FakeArchive({"rib-2.pdf": PDF_BYTES})  # line 3's RIB is missing: it fails

    with assert_unchanged(counted=COUNTED), pytest.raises(KeyError):
        run(
            [line(2, rib_file="rib-2.pdf"), line(3, rib_file="rib-3.pdf")],
            importer,
            archive=archive,
        )

    media = settings.MEDIA_ROOT
    assert [path for path in media.rglob("*") if path.is_file()] == []


def test_the_lines_are_imported_with_a_bounded_number_of_queries(
    importer: User, django_assert_max_num_queries: Any
) -> None:
    factories.commune()
    lines = [line(number) for number in range(2, 202)]
    with django_assert_max_num_queries(30):
        run(lines, importer)
    assert Organisation.objects.count() == 200
    changed = [dataclasses.replace(item, public_phone="+33155555555") for item in lines]
    with django_assert_max_num_queries(30):
        result = run(changed, importer)
    assert result.updated == 200


def test_the_invitations_are_sent_once_even_if_their_task_runs_again(importer: User) -> None:
    """The invitations task is retried (a worker killed half-way): run twice, it invites each
    contact once, and never a claimed or terminated organisation."""
    run([line(2), line(3), line(4)], importer)
    task = DBTaskResult.objects.get(
        task_path="passplus.organisations.tasks.organisation_import_invite"
    )
    arguments = task.args_kwargs["kwargs"]
    claimed = Organisation.objects.get(siret="00000000000003")
    factories.UserFactory(organisation_member=True, organisation=claimed)
    terminated = Organisation.objects.get(siret="00000000000004")
    terminated.terminate(actor=importer, reason="Dissous")
    run_queued_tasks()

    organisation_import_invite.call(**arguments)

    assert list(Invitation.objects.values_list("organisation__siret", flat=True)) == [
        "00000000000002"
    ]


def test_the_transition_from_nothing_refuses_an_organisation_already_registered(
    importer: User,
) -> None:
    joined = factories.OrganisationFactory(identified=True)

    with (
        assert_unchanged(joined, counted=COUNTED),
        pytest.raises(DomainError, match="déjà enregistré"),
    ):
        Organisation.import_affiliated([(joined, {"sha256": SHA, "line": 2})], actor=importer)
