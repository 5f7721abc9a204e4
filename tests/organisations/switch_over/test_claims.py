"""Issue 34, « Claiming the accounts »: the claim invitation of an imported organisation (its
e-mail, its single-use link of 30 days), the claim itself (one account, in the partner space,
nothing to sign), the bad inputs (expired, used or replaced link, an address that already has an
account, two claims at once), the resends (one, all) and the scheduler's reminders (rhythm, cap,
sent once whoever runs them)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import Invitation, InvitationPurpose, Role, User
from passplus.conventions.models import Convention
from passplus.core.errors import DomainError
from passplus.notifications.message_ids import message_id
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import ImportedOrganisation
from passplus.organisations.switch_over import claims
from passplus.organisations.switch_over.claims import (
    ALREADY_CLAIMED,
    CLAIM_SUBJECT,
    MAX_REMINDERS,
    claim_invitation_send,
    claim_invitations_resend_all,
    claim_invitations_send_new,
    claim_reminders_send_due,
    organisation_claim,
)
from passplus.scheduling.jobs import JOBS_BY_NAME
from tests.helpers.affiliation import STRONG_PASSWORD
from tests.helpers.claims import (
    claim_messages,
    imported_organisation,
    last_claim_path,
)
from tests.helpers.database import assert_unchanged, audit_trail, requires_row_locks
from tests.helpers.factories import OrganisationFactory, UserFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.races import held_together, run_together
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

CONTACT = "marie.dupont@club.example.org"


def account_data(**overrides: str) -> dict[str, str]:
    return {
        "first_name": "Marie",
        "last_name": "Dupont",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        **overrides,
    }


def main_text(response: Any) -> str:
    return text_of(parse_html(response), "main")


def claim_of(imported: ImportedOrganisation, **names: str) -> User:
    imported.refresh_from_db()
    assert imported.invitation is not None
    return organisation_claim(
        invitation=imported.invitation,
        password=STRONG_PASSWORD,
        first_name=names.get("first_name", "Marie"),
        last_name=names.get("last_name", "Dupont"),
    )


# The invitation -------------------------------------------------------------------------------


def test_the_invitation_e_mails_a_single_use_link_valid_thirty_days() -> None:
    imported = imported_organisation(legal_name="Club de l'Étang")

    [message] = claim_messages()
    assert message.to == [CONTACT]
    assert message.subject == CLAIM_SUBJECT
    assert "Bonjour Marie Dupont" in message.body
    assert "« Club de l'Étang » est affilié" in message.body
    assert "Vous n'avez rien à signer" in message.body
    html = str(message.alternatives[0][0])
    path = last_claim_path()
    assert path in message.body and path in html
    invitation = Invitation.objects.get(organisation=imported.organisation)
    assert invitation.purpose == InvitationPurpose.CLAIM
    assert invitation.email == CONTACT
    assert abs(
        invitation.expires_at - invitation.created_at - dt.timedelta(days=30)
    ) < dt.timedelta(seconds=1)
    assert f"valable jusqu'au {timezone.localtime(invitation.expires_at):%d/%m/%Y}" in message.body
    # Its Message-ID is the same on every attempt (derived from the invitation).
    assert message.extra_headers["Message-ID"] == message_id(
        about=f"invitation:{invitation.pk}", to=[CONTACT]
    )
    imported.refresh_from_db()
    assert imported.invitation == invitation
    assert imported.last_invited_at == invitation.created_at
    assert imported.reminders_sent == 0
    assert audit_trail(imported.organisation) == [("organisation.claim_invite", None)]


def test_a_resend_revokes_the_previous_link_and_only_the_latest_works(client: Client) -> None:
    imported = imported_organisation()
    first = last_claim_path()
    staff = UserFactory(gestionnaire=True)
    claim_invitation_send(imported, actor=staff)

    second = last_claim_path()
    assert second != first
    assert len(claim_messages()) == 2
    replaced = client.get(first)
    assert replaced.status_code == 410
    assert "Ce lien a été remplacé" in main_text(replaced)
    assert client.get(second).status_code == 200
    assert Invitation.objects.usable().filter(organisation=imported.organisation).count() == 1
    assert audit_trail(imported.organisation)[-1] == ("organisation.claim_invite", staff.pk)


def test_the_import_s_bulk_invitations_are_the_same_links_and_e_mails() -> None:
    imported = [
        imported_organisation(invited=False, contact_email=f"contact{n}@club.example.org")
        for n in range(3)
    ]
    claim_invitations_send_new(imported, actor=None)

    assert len(claim_messages()) == 3
    for row in imported:
        row.refresh_from_db()
        assert row.invitation is not None and row.last_invited_at is not None
        assert row.invitation.purpose == InvitationPurpose.CLAIM
        assert row.invitation.email == row.contact_email
        # Each link opens its own organisation's page.
        page = Client().get(last_claim_path(row.contact_email))
        assert row.organisation.legal_name in main_text(page)
        assert audit_trail(row.organisation) == [("organisation.claim_invite", None)]


def test_a_bulk_invitation_revokes_the_organisation_s_earlier_link(client: Client) -> None:
    """A later file changed the contact before claiming: the new address's link is the only
    one that works."""
    imported = imported_organisation()
    first = last_claim_path()
    ImportedOrganisation.objects.filter(pk=imported.pk).update(
        contact_email="nouveau.contact@club.example.org"
    )
    imported.refresh_from_db()
    claim_invitations_send_new([imported], actor=None)

    assert client.get(first).status_code == 410
    fresh = last_claim_path("nouveau.contact@club.example.org")
    assert client.get(fresh).status_code == 200
    assert Invitation.objects.usable().get(organisation=imported.organisation).email == (
        "nouveau.contact@club.example.org"
    )


def test_no_invitation_once_claimed_or_terminated() -> None:
    imported = imported_organisation()
    claim_of(imported)
    with assert_unchanged(imported, counted=[Invitation]), pytest.raises(DomainError) as error:
        claim_invitation_send(imported, actor=None)
    assert str(error.value) == ALREADY_CLAIMED

    terminated = imported_organisation(
        contact_email="autre@club.example.org", terminated=True, invited=False
    )
    with assert_unchanged(terminated, counted=[Invitation]), pytest.raises(DomainError):
        claim_invitation_send(terminated, actor=None)


# The claim -------------------------------------------------------------------------------------


def test_the_claim_creates_one_account_and_lands_in_the_partner_space(client: Client) -> None:
    imported = imported_organisation(legal_name="Club de l'Étang")
    path = last_claim_path()
    page = client.get(path)
    assert page.status_code == 200
    text = main_text(page)
    assert "Votre organisme est déjà partenaire : créez votre accès" in text
    assert "Club de l'Étang" in text and CONTACT in text and "rien à signer" in text
    form = parse_html(page)
    assert form.select_one("#id_first_name")["value"] == "Marie"  # from the file's contact
    assert form.select_one("#id_last_name")["value"] == "Dupont"

    response = client.post(path, account_data(first_name="Marie-Jo"))

    assert response.status_code == 302
    assert response["Location"] == reverse("partner:home")
    user = User.objects.get(email=CONTACT)
    assert (user.role, user.organisation, user.first_name) == (
        Role.ORGANISATION,
        imported.organisation,
        "Marie-Jo",
    )
    assert user.check_password(STRONG_PASSWORD)
    home = client.get(reverse("partner:home"))  # signed in, nothing to sign
    assert home.status_code == 200
    assert "Saisir un ticket" in main_text(home)
    assert client.get(reverse("partner:entry")).status_code == 200
    imported.refresh_from_db()
    assert imported.claimed_at is not None
    assert imported.invitation is not None and imported.invitation.used_at is not None
    imported.organisation.refresh_from_db()
    assert imported.organisation.status == OrganisationStatus.AFFILIATED
    assert not Convention.objects.filter(organisation=imported.organisation).exists()
    assert ImportedOrganisation.objects.unclaimed().count() == 0
    assert audit_trail(imported.organisation)[-1] == ("organisation.claim", user.pk)


def test_nobody_can_enter_the_tickets_of_an_unclaimed_organisation(client: Client) -> None:
    imported = imported_organisation()
    organisation = imported.organisation
    assert organisation.may_redeem  # affiliated: only the lack of a user stops the entries
    assert not User.objects.filter(organisation=organisation).exists()
    # Ticket entry is a partner page: it serves the signed-in member's own organisation only,
    # and every other role is refused.
    for traits in ({"gestionnaire": True}, {"admin": True}, {"finance": True}, {}):
        client.force_login(UserFactory(**traits))
        assert client.get(reverse("partner:entry")).status_code == 403
    other = UserFactory(organisation_member=True)
    client.force_login(other)
    page = client.get(reverse("partner:entry"))
    assert page.status_code == 200 and organisation.display_name not in main_text(page)


def test_a_used_link_shows_the_account_exists_and_creates_nothing(client: Client) -> None:
    imported = imported_organisation()
    path = last_claim_path()
    assert client.post(path, account_data()).status_code == 302
    client.logout()

    with assert_unchanged(imported, counted=[User, Invitation]):
        again = client.post(path, account_data(first_name="Intrus"))
    assert again.status_code == 410
    assert "L'accès de votre organisme est déjà créé" in main_text(again)


def test_an_expired_link_creates_nothing_and_sends_a_new_one_to_the_same_address(
    client: Client,
) -> None:
    imported = imported_organisation()
    path = last_claim_path()
    Invitation.objects.filter(organisation=imported.organisation).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    page = client.get(path)
    assert page.status_code == 410
    assert "Ce lien a expiré" in main_text(page)
    with pytest.raises(DomainError, match="expiré"):
        claim_of(imported)
    assert not User.objects.filter(email=CONTACT).exists()

    renewed = client.post(
        path, account_data()
    )  # the page's only form: « Recevoir un nouveau lien »
    assert "Un nouveau lien a été envoyé" in main_text(renewed)
    assert not User.objects.filter(email=CONTACT).exists()
    messages = claim_messages(CONTACT)
    assert len(messages) == 2
    assert client.get(last_claim_path()).status_code == 200
    # The expired link cannot be renewed twice.
    again = client.post(path)
    assert "Un lien plus récent a été envoyé" in main_text(again)
    assert len(claim_messages()) == 2


def test_an_address_that_already_has_an_account_gets_a_message_and_nothing_is_written(
    client: Client,
) -> None:
    imported = imported_organisation()
    UserFactory(email=CONTACT, role=Role.FAMILY)
    path = last_claim_path()

    page = client.get(path)
    assert page.status_code == 409
    assert "Cette adresse a déjà un compte" in main_text(page)
    imported.refresh_from_db()
    with assert_unchanged(imported, imported.invitation, counted=[User]):
        with pytest.raises(DomainError, match="Un compte existe déjà avec cette adresse"):
            claim_of(imported)
        client.post(path, account_data())
    assert imported.invitation is not None and imported.invitation.used_at is None


def test_an_unknown_link_or_another_kind_of_invitation_is_not_a_claim(client: Client) -> None:
    assert client.get("/espace-affilie/reprise/inconnu/").status_code == 404
    organisation = OrganisationFactory()
    member, token = Invitation.issue(
        purpose=InvitationPurpose.MEMBER, email="membre@example.org", organisation=organisation
    )
    assert client.get(reverse("partner:claim", args=[token])).status_code == 404
    with assert_unchanged(member, counted=[User]), pytest.raises(DomainError, match="pas une"):
        organisation_claim(
            invitation=member, password=STRONG_PASSWORD, first_name="A", last_name="B"
        )
    # A claim link is no member invitation either.
    imported_organisation()
    claim_token = last_claim_path().rstrip("/").rsplit("/", 1)[-1]
    assert client.get(reverse("partner:member_invitation", args=[claim_token])).status_code == 404


def test_a_second_link_after_the_claim_is_refused_with_one_account() -> None:
    imported = imported_organisation()
    first = Invitation.objects.get(organisation=imported.organisation)
    # A second usable link (e.g. the contact changed in a later file) claimed afterwards.
    second, _ = Invitation.issue(
        purpose=InvitationPurpose.CLAIM,
        email="autre.contact@club.example.org",
        organisation=imported.organisation,
    )
    organisation_claim(
        invitation=first, password=STRONG_PASSWORD, first_name="Marie", last_name="Dupont"
    )
    second.refresh_from_db()
    assert second.revoked_at is not None  # the claim revoked the other links
    Invitation.objects.filter(pk=second.pk).update(revoked_at=None)
    second.refresh_from_db()
    with pytest.raises(DomainError) as error:
        organisation_claim(
            invitation=second, password=STRONG_PASSWORD, first_name="Paul", last_name="Roux"
        )
    assert str(error.value) == ALREADY_CLAIMED
    assert User.objects.filter(organisation=imported.organisation).count() == 1


@requires_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_claims_of_one_organisation_at_once_make_one_account() -> None:
    """Two links of one organisation (two addresses) claimed at the same instant: the row lock
    makes the second wait for the first, then see the account. Without it both would pass the
    check together (held there until the other arrives) and two accounts would exist."""
    imported = imported_organisation()
    first = Invitation.objects.get(organisation=imported.organisation)
    second, _ = Invitation.issue(
        purpose=InvitationPurpose.CLAIM,
        email="autre.contact@club.example.org",
        organisation=imported.organisation,
    )
    held = held_together(claims.organisation_account_create)

    def claim(invitation: Invitation) -> Any:
        return organisation_claim(
            invitation=invitation, password=STRONG_PASSWORD, first_name="A", last_name="B"
        )

    with mock.patch.object(claims, "organisation_account_create", held):
        outcomes = run_together(lambda: claim(first), lambda: claim(second))

    users = [outcome for outcome in outcomes if isinstance(outcome, User)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
    assert len(users) == 1 and len(refusals) == 1, outcomes
    assert str(refusals[0]) == ALREADY_CLAIMED
    assert User.objects.filter(organisation=imported.organisation).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_link_posted_twice_at_once_makes_one_account() -> None:
    """The same link sent twice at once (a double click): one account, one French message."""
    imported = imported_organisation()
    invitation = Invitation.objects.get(organisation=imported.organisation)

    def claim() -> Any:
        return organisation_claim(
            invitation=Invitation.objects.get(pk=invitation.pk),
            password=STRONG_PASSWORD,
            first_name="A",
            last_name="B",
        )

    outcomes = run_together(claim, claim)
    assert sum(isinstance(outcome, User) for outcome in outcomes) == 1, outcomes
    refusal = next(outcome for outcome in outcomes if not isinstance(outcome, User))
    assert isinstance(refusal, DomainError), refusal
    assert User.objects.filter(organisation=imported.organisation).count() == 1


# Resending to all ------------------------------------------------------------------------------


def test_resend_all_writes_once_to_each_unclaimed_organisation_even_run_twice() -> None:
    waiting = [
        imported_organisation(contact_email=f"contact{n}@club.example.org") for n in range(3)
    ]
    claim_of(imported_organisation(contact_email="deja@club.example.org"))
    imported_organisation(contact_email="resilie@club.example.org", terminated=True, invited=False)
    run_queued_tasks()
    mail.outbox.clear()
    staff = UserFactory(gestionnaire=True)

    assert claim_invitations_resend_all(actor=staff) == 3
    run_queued_tasks()
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        row.contact_email for row in waiting
    )
    assert audit_trail(staff) == [("organisation.claim_invite_all", staff.pk)]
    for row in waiting:
        assert audit_trail(row.organisation)[-1] == ("organisation.claim_invite", staff.pk)
    # The same task run again (a retry, a recovered worker): nobody is written to twice.
    requested_at = timezone.now() - dt.timedelta(seconds=1)
    claims.claim_invitations_resend.call(requested_at=requested_at.isoformat(), actor_id=staff.pk)
    run_queued_tasks()
    assert len(mail.outbox) == 3


def test_resend_all_with_nobody_waiting_is_refused() -> None:
    claim_of(imported_organisation())
    with pytest.raises(DomainError, match="Aucun organisme"):
        claim_invitations_resend_all(actor=UserFactory(gestionnaire=True))


# The scheduler's reminders ---------------------------------------------------------------------


@pytest.fixture
def every_ten_days(settings: Any) -> None:
    settings.PASSPLUS_CLAIM_REMINDER_DAYS = 10


def test_reminders_follow_the_rhythm_and_stop_after_the_cap(every_ten_days: None) -> None:
    imported = imported_organisation()
    start = timezone.now()
    run_queued_tasks()
    mail.outbox.clear()

    assert claim_reminders_send_due(now=start + dt.timedelta(days=9, hours=23)).sent == 0
    sent_at = []
    moment = start
    for number in range(1, MAX_REMINDERS + 1):
        imported.refresh_from_db()
        assert imported.last_invited_at is not None
        moment = imported.last_invited_at + dt.timedelta(days=10)
        with mock.patch("django.utils.timezone.now", return_value=moment):
            report = claim_reminders_send_due(now=moment)
            assert report.sent == 1
            # Run again at the same time (late, twice): nothing more.
            assert claim_reminders_send_due(now=moment).sent == 0
        sent_at.append(moment)
        imported.refresh_from_db()
        assert imported.reminders_sent == number
    messages = claim_messages()
    assert len(messages) == MAX_REMINDERS
    assert all(message.subject == f"{CLAIM_SUBJECT} (rappel)" for message in messages)
    assert "Rappel : l'accès de votre organisme n'a pas encore été créé" in messages[-1].body
    # Each reminder's link is the one that works.
    assert Client().get(last_claim_path()).status_code == 200
    # The cap: no fourth reminder, however late.
    late = moment + dt.timedelta(days=100)
    report = claim_reminders_send_due(now=late)
    assert (report.sent, report.capped) == (0, 1)
    assert len(claim_messages()) == MAX_REMINDERS
    assert [action for action, _ in audit_trail(imported.organisation)].count(
        "organisation.claim_invite"
    ) == 1 + MAX_REMINDERS


def test_no_reminder_for_a_claimed_suspended_or_terminated_organisation_or_when_off(
    every_ten_days: None, settings: Any
) -> None:
    claim_of(imported_organisation())
    imported_organisation(contact_email="suspendu@club.example.org", suspended=True)
    imported_organisation(contact_email="resilie@club.example.org", terminated=True, invited=False)
    waiting = imported_organisation(contact_email="attente@club.example.org")
    later = timezone.now() + dt.timedelta(days=11)
    run_queued_tasks()
    mail.outbox.clear()

    settings.PASSPLUS_CLAIM_REMINDER_DAYS = 0
    assert claim_reminders_send_due(now=later).sent == 0
    settings.PASSPLUS_CLAIM_REMINDER_DAYS = 10
    assert claim_reminders_send_due(now=later).sent == 1
    assert [message.to for message in claim_messages()] == [[waiting.contact_email]]


def test_a_back_office_resend_moves_the_next_reminder_but_not_the_cap(
    every_ten_days: None,
) -> None:
    imported = imported_organisation()
    later = timezone.now() + dt.timedelta(days=8)
    with mock.patch("django.utils.timezone.now", return_value=later):
        claim_invitation_send(imported, actor=UserFactory(gestionnaire=True))
    assert claim_reminders_send_due(now=later + dt.timedelta(days=9)).sent == 0
    assert claim_reminders_send_due(now=later + dt.timedelta(days=10)).sent == 1
    imported.refresh_from_db()
    assert imported.reminders_sent == 1


def test_the_reminders_are_a_job_of_the_scheduled_tasks_page(every_ten_days: None) -> None:
    job = JOBS_BY_NAME["claim_reminders"]
    imported_organisation()
    summary = job.run(timezone.now() + dt.timedelta(days=10, minutes=1))
    assert summary == {"sent": 1, "capped": 0}
    assert "non réclamés" in job.label or "accès" in job.label


@requires_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_send_each_reminder_once(every_ten_days: None) -> None:
    """Two processes run the job at the same instant: each reminder's row is locked and checked
    again under the lock, so the second finds it sent. Without the lock both would issue it
    (held after the check until the other arrives)."""
    imported = imported_organisation()
    later = timezone.now() + dt.timedelta(days=10, minutes=1)
    held = held_together(claims._issue)
    with mock.patch.object(claims, "_issue", held):
        outcomes = run_together(
            lambda: claim_reminders_send_due(now=later),
            lambda: claim_reminders_send_due(now=later),
        )
    assert sorted(outcome.sent for outcome in outcomes) == [0, 1], outcomes
    imported.refresh_from_db()
    assert imported.reminders_sent == 1
    assert Invitation.objects.filter(organisation=imported.organisation).count() == 2
