"""Reminder e-mails to organisations and correspondents (issue 17 §2), each sent once:
partners whose entries cannot be paid without validated bank details, before each cut-off;
correspondents whose identification form's invitation expires within 3 days."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from passplus.accounts.models import Invitation
from passplus.organisations.models import Organisation
from passplus.organisations.services import (
    invitation_revoke,
    invitation_send,
    organisation_register,
)
from passplus.payments.build import payment_run_build
from passplus.payments.calendar import cut_off_on
from passplus.reminders.models import ReminderKind, ReminderSent
from passplus.reminders.services import reminders_send_due
from tests.helpers.affiliation import correspondent_of, identification_data
from tests.helpers.database import audit_trail
from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    RedemptionFactory,
    UserFactory,
)
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
BANK = ReminderKind.PARTNER_BANK_DETAILS
INVITATION = ReminderKind.CORRESPONDENT_INVITATION


def remind(when: dt.datetime) -> dict[str, int]:
    """Run the reminders job at that moment (clock moved), then the queued e-mails."""
    with time_machine.travel(when, tick=False):
        summary = reminders_send_due(now=timezone.now())
        run_queued_tasks()
    return summary


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


# Partners without validated bank details -------------------------------------------------------


@pytest.fixture
def unpaid() -> Organisation:
    """An organisation with two entries "saisi" (20 € and 30 €) and no bank details."""
    organisation = OrganisationFactory(
        public_name="Judo Club", representative_email="presidente@judo.example.fr"
    )
    UserFactory(organisation_member=True, organisation=organisation, email="desk@judo.example.fr")
    RedemptionFactory(organisation=organisation, ticket__amount_cents=2000)
    RedemptionFactory(organisation=organisation, ticket__amount_cents=3000)
    return organisation


def test_in_the_week_before_a_cut_off_the_partner_is_told_it_will_not_be_paid(
    unpaid: Organisation,
) -> None:
    summary = remind(paris(2027, 1, 9, 9))  # the 16/01 cut-off is less than 7 days away

    assert summary[BANK] == 1
    (message,) = mail.outbox
    assert message.to == ["desk@judo.example.fr", "presidente@judo.example.fr"]
    assert "coordonnées bancaires" in message.subject
    assert "« Judo Club » a 2 tickets saisis en attente de remboursement, pour 50,00\u00a0€" in (
        message.body
    )
    assert "Le prochain virement sera préparé le 16/01/2027" in message.body
    assert "http://127.0.0.1:8000/espace-affilie/compte/coordonnees-bancaires/" in message.body
    assert audit_trail(unpaid) == [("reminder.sent", None)]


def test_not_earlier_than_a_week_before_the_cut_off(unpaid: Organisation) -> None:
    assert remind(paris(2027, 1, 8, 9))[BANK] == 0
    assert mail.outbox == []


def test_once_per_cut_off_while_it_is_still_true(unpaid: Organisation) -> None:
    remind(paris(2027, 1, 9, 9))
    remind(paris(2027, 1, 12, 9))
    remind(paris(2027, 1, 15, 23))
    assert len(mail.outbox) == 1

    remind(paris(2027, 1, 26, 9))  # before the 01/02 cut-off

    assert len(mail.outbox) == 2
    assert "Le prochain virement sera préparé le 01/02/2027" in mail.outbox[1].body
    occasions = ReminderSent.objects.filter(kind=BANK).values_list("occasion", flat=True)
    assert sorted(occasions) == ["coupure 2027-01-16", "coupure 2027-02-01"]


@pytest.mark.parametrize("status", ["validated", "pending"])
def test_validated_or_waiting_bank_details_mean_no_reminder(
    unpaid: Organisation, status: str
) -> None:
    BankAccountFactory(organisation=unpaid, status=status)

    assert remind(paris(2027, 1, 9, 9))[BANK] == 0
    assert mail.outbox == []


def test_details_still_to_confirm_or_refused_do_not_stop_the_reminder(
    unpaid: Organisation,
) -> None:
    BankAccountFactory(organisation=unpaid, status="draft")
    BankAccountFactory(organisation=unpaid, status="rejected")

    assert remind(paris(2027, 1, 9, 9))[BANK] == 1


@pytest.mark.parametrize("trait", ["in_payment", "reimbursed", "cancelled", "rejected"])
def test_only_entries_saisi_count(trait: str) -> None:
    organisation = OrganisationFactory(representative_email="club@example.fr")
    RedemptionFactory(organisation=organisation, **{trait: True})

    assert remind(paris(2027, 1, 9, 9))[BANK] == 0


def test_other_organisations_and_one_without_any_address_are_not_reminded(
    unpaid: Organisation,
) -> None:
    paid = OrganisationFactory(representative_email="paid@example.fr")
    BankAccountFactory(organisation=paid, validated=True)
    RedemptionFactory(organisation=paid)
    OrganisationFactory(representative_email="idle@example.fr")  # nothing entered
    mute = OrganisationFactory(representative_email="")
    RedemptionFactory(organisation=mute)

    remind(paris(2027, 1, 9, 9))

    assert [sorted(message.to) for message in mail.outbox] == [
        ["desk@judo.example.fr", "presidente@judo.example.fr"]
    ]
    assert not ReminderSent.objects.filter(target_id=mute.pk).exists()


def test_the_build_notice_is_not_followed_by_a_reminder_the_same_week(
    unpaid: Organisation,
) -> None:
    """notify_missing_bank_details e-mails at the 16/01 build; no reminder adds to it within
    the week, the next one comes before the 01/02 cut-off."""
    with time_machine.travel(paris(2027, 1, 16, 0, 5), tick=False):
        payment_run_build(cut_off=cut_off_on(dt.date(2027, 1, 16)))
        run_queued_tasks()
    (notice,) = mail.outbox
    assert "coordonnées bancaires manquantes" in notice.subject

    remind(paris(2027, 1, 16, 9))  # the next cut-off, 01/02, is more than a week away
    assert len(mail.outbox) == 1

    remind(paris(2027, 1, 25, 9))
    assert len(mail.outbox) == 2
    assert "Le prochain virement sera préparé le 01/02/2027" in mail.outbox[1].body


def test_a_build_notice_less_than_a_week_old_holds_the_reminder_back(
    unpaid: Organisation, settings: Any
) -> None:
    settings.PASSPLUS_CUTOFF_DAYS = [1, 20]  # cut-offs 4 days apart from the notice
    Organisation.objects.filter(pk=unpaid.pk).update(
        missing_bank_details_notified_at=paris(2027, 1, 16, 0, 5)
    )
    assert remind(paris(2027, 1, 18, 9))[BANK] == 0  # the notice is 2 days old
    assert remind(paris(2027, 1, 23, 9))[BANK] == 0  # too far from 01/02 still
    assert remind(paris(2027, 1, 25, 9))[BANK] == 1


def test_switched_off_no_partner_is_reminded(unpaid: Organisation, settings: Any) -> None:
    settings.PASSPLUS_REMINDER_PARTNER_BANK_DETAILS = False

    assert remind(paris(2027, 1, 9, 9))[BANK] == 0
    assert mail.outbox == []
    assert audit_trail(unpaid) == []


# Correspondents: invitations about to expire ---------------------------------------------------

# The invitation expires 30 days later, on 31/03/2027 at 11:00 (summer time began on 28/03).
REGISTERED = paris(2027, 3, 1, 10)


@pytest.fixture
def correspondent() -> Any:
    return correspondent_of("92050")


@pytest.fixture
def registered(correspondent: Any) -> Organisation:
    with time_machine.travel(REGISTERED, tick=False):
        data = {
            **identification_data(),
            "commune": correspondent.communes.get(),
            "creation_date": dt.date(2015, 9, 1),
            "offers_sport": True,
        }
        organisation = organisation_register(data=data, registered_by=correspondent)
        run_queued_tasks()
    mail.outbox.clear()  # the invitation itself
    return organisation


def test_three_days_before_expiry_the_correspondent_is_reminded(
    correspondent: Any, registered: Organisation
) -> None:
    assert remind(paris(2027, 3, 28, 9))[INVITATION] == 0  # 3 days and 2 hours left
    summary = remind(paris(2027, 3, 28, 11))

    assert summary[INVITATION] == 1
    (message,) = mail.outbox
    assert message.to == [correspondent.email]
    assert message.subject == (
        "Pass+ Hauts-de-Seine : l'invitation de « Union sportive de Nanterre » expire le 31/03/2027"
    )
    assert "Jeanne Martin (jeanne.martin@usn.example.fr) expire le 31/03/2027 à 11:00" in (
        message.body
    )
    assert "« Renvoyer l'invitation »" in message.body
    assert "http://127.0.0.1:8000/espace-correspondant/" in message.body
    assert ("reminder.sent", None) in audit_trail(registered)


def test_the_invitation_reminder_is_sent_once_and_never_after_expiry(
    registered: Organisation,
) -> None:
    remind(paris(2027, 3, 29, 9))
    remind(paris(2027, 3, 30, 9))
    remind(paris(2027, 4, 2, 9))

    assert len(mail.outbox) == 1


def test_an_expired_invitation_is_not_reminded(registered: Organisation) -> None:
    assert remind(paris(2027, 3, 31, 11))[INVITATION] == 0


def test_a_used_or_revoked_invitation_is_not_reminded(
    correspondent: Any, registered: Organisation
) -> None:
    Invitation.objects.filter(organisation=registered).update(used_at=REGISTERED)
    assert remind(paris(2027, 3, 29, 9))[INVITATION] == 0

    Invitation.objects.filter(organisation=registered).update(used_at=None)
    invitation_revoke(form=registered.identification_form, actor=correspondent)
    assert remind(paris(2027, 3, 29, 9))[INVITATION] == 0


def test_a_fresh_invitation_is_reminded_before_its_own_expiry(
    correspondent: Any, registered: Organisation
) -> None:
    with time_machine.travel(paris(2027, 3, 20, 10), tick=False):
        invitation_send(form=registered.identification_form, actor=correspondent)
        run_queued_tasks()
    mail.outbox.clear()

    assert remind(paris(2027, 3, 29, 9))[INVITATION] == 0  # the old link was revoked
    assert remind(paris(2027, 4, 16, 11))[INVITATION] == 1  # the new one ends on 19/04


def test_when_the_registrant_left_the_communes_correspondents_are_reminded(
    correspondent: Any, registered: Organisation
) -> None:
    correspondent.is_active = False
    correspondent.save()
    colleague = correspondent_of("92050")
    correspondent_of("92002")  # another commune

    remind(paris(2027, 3, 29, 9))

    (message,) = mail.outbox
    assert message.to == [colleague.email]


def test_switched_off_no_correspondent_is_reminded(registered: Organisation, settings: Any) -> None:
    settings.PASSPLUS_REMINDER_CORRESPONDENT_INVITATION = False

    assert remind(paris(2027, 3, 29, 9))[INVITATION] == 0
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()
