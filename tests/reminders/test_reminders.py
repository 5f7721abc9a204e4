"""Reminder e-mails (issue 17 §2), each sent once: families with unused credit before the
generation deadline; the entry point's switches, its summary and two callers at once.
Partners and correspondents: tests/reminders/test_reminders_organisations.py."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.campaigns.models import SchoolYear
from passplus.notifications.tasks import send_email
from passplus.pupils.models import Family, Wallet
from passplus.reminders.models import ReminderKind, ReminderSent
from passplus.reminders.services import reminders_send_due
from tests.helpers.database import audit_trail
from tests.helpers.factories import FamilyFactory, SchoolYearFactory, TicketFactory, WalletFactory
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
KIND = ReminderKind.FAMILY_CREDIT


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def remind(day: dt.date, hour: int = 9) -> dict[str, int]:
    """Run the reminders job at that moment (clock moved), then the queued e-mails."""
    with time_machine.travel(at(day, hour), tick=False):
        summary = reminders_send_due(now=timezone.now())
        run_queued_tasks()
    return summary


def year_2026(**overrides: Any) -> SchoolYear:
    """Tickets created until 31/05/2027: J-30 is 01/05, J-7 is 24/05."""
    fields = {
        "label": "2026-2027",
        "starts_on": dt.date(2026, 9, 1),
        "ends_on": dt.date(2027, 8, 31),
        "generation_deadline": dt.date(2027, 5, 31),
        "redemption_deadline": dt.date(2027, 6, 30),
        **overrides,
    }
    return SchoolYearFactory(**fields)


@pytest.fixture
def wallet() -> Wallet:
    """Léa's 80 € wallet, of which 20 € became a ticket: 60 € left."""
    wallet = WalletFactory(
        school_year=year_2026(),
        granted_cents=8000,
        pupil__first_name="Léa",
        pupil__family__parent_name="Camille Martin",
        pupil__family__user__email="camille.martin@example.fr",
    )
    TicketFactory(wallet=wallet, amount_cents=2000)
    return wallet


def occasions(family: Family) -> list[str]:
    return sorted(
        ReminderSent.objects.filter(kind=KIND, target_id=family.pk).values_list(
            "occasion", flat=True
        )
    )


# When ------------------------------------------------------------------------------------------


def test_a_month_before_the_deadline_the_family_is_told_what_is_left(wallet: Wallet) -> None:
    summary = remind(dt.date(2027, 5, 1))

    assert summary[KIND] == 1
    (message,) = mail.outbox
    assert message.to == ["camille.martin@example.fr"]
    assert message.subject == (
        "Pass+ Hauts-de-Seine : du crédit reste à utiliser avant le 31/05/2027"
    )
    assert "Bonjour Camille Martin," in message.body
    assert "- Léa : 60,00\u00a0€" in message.body
    assert "Les tickets se créent jusqu'au 31/05/2027, dans 30 jours." in message.body
    assert "le crédit non utilisé est perdu" in message.body
    assert "http://127.0.0.1:8000/espace-famille/" in message.body


def test_nothing_is_sent_before_the_month_before_the_deadline(wallet: Wallet) -> None:
    assert remind(dt.date(2027, 4, 30))[KIND] == 0
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_each_reminder_is_sent_once(wallet: Wallet) -> None:
    remind(dt.date(2027, 5, 1))
    second = remind(dt.date(2027, 5, 1), hour=15)
    third = remind(dt.date(2027, 5, 2))

    assert second[KIND] == third[KIND] == 0
    assert len(mail.outbox) == 1
    assert occasions(wallet.pupil.family) == [f"campagne {wallet.school_year_id} J-30"]


def test_a_week_before_the_deadline_a_second_reminder_is_sent(wallet: Wallet) -> None:
    remind(dt.date(2027, 5, 1))
    remind(dt.date(2027, 5, 23))
    assert len(mail.outbox) == 1

    remind(dt.date(2027, 5, 24))
    remind(dt.date(2027, 5, 28))

    assert len(mail.outbox) == 2
    assert "dans 7 jours" in mail.outbox[1].body
    year = wallet.school_year_id
    assert occasions(wallet.pupil.family) == [f"campagne {year} J-30", f"campagne {year} J-7"]


def test_when_both_windows_are_due_only_the_nearer_one_is_sent(wallet: Wallet) -> None:
    """The job did not run for a month: on 25/05 both windows have opened; one e-mail."""
    remind(dt.date(2027, 5, 25))
    remind(dt.date(2027, 5, 26))

    (message,) = mail.outbox
    assert "dans 6 jours" in message.body
    assert occasions(wallet.pupil.family) == [f"campagne {wallet.school_year_id} J-7"]


def test_the_deadline_day_still_counts_the_day_after_does_not(wallet: Wallet) -> None:
    assert remind(dt.date(2027, 6, 1))[KIND] == 0
    assert mail.outbox == []

    remind(dt.date(2027, 5, 31))
    (message,) = mail.outbox
    assert "jusqu'au 31/05/2027, c'est-à-dire aujourd'hui" in message.body


# Whom ------------------------------------------------------------------------------------------


def test_every_child_with_credit_left_is_listed_per_domain_when_the_year_splits() -> None:
    year = year_2026(split=True)
    family = FamilyFactory(user__email="famille@example.fr")
    sport = WalletFactory(
        school_year=year, pupil__family=family, pupil__first_name="Léa", domain="sport"
    )
    WalletFactory(
        school_year=year,
        pupil=sport.pupil,
        domain="culture",
        granted_cents=4000,
    )
    TicketFactory(wallet=sport, amount_cents=sport.granted_cents)  # sport credit all used
    WalletFactory(
        school_year=year,
        pupil__family=family,
        pupil__first_name="Noé",
        domain="sport",
        granted_cents=5000,
    )

    remind(dt.date(2027, 5, 1))

    (message,) = mail.outbox
    assert "- Léa : 40,00\u00a0€ (culture)\n- Noé : 50,00\u00a0€ (sport)" in message.body


def test_families_without_credit_left_anonymised_or_without_address_are_not_reminded(
    wallet: Wallet,
) -> None:
    year = wallet.school_year
    spent = WalletFactory(school_year=year, granted_cents=8000)
    TicketFactory(wallet=spent, amount_cents=8000)
    anonymised = WalletFactory(school_year=year, pupil__family__anonymised_at=timezone.now())
    gone = WalletFactory(school_year=year, pupil__anonymised_at=timezone.now())
    no_address = WalletFactory(school_year=year, pupil__family__user=None, pupil__family__email="")

    remind(dt.date(2027, 5, 1))

    assert [message.to for message in mail.outbox] == [["camille.martin@example.fr"]]
    for other in (spent, anonymised, gone, no_address):
        assert occasions(other.pupil.family) == []


def test_families_of_another_year_are_not_reminded(wallet: Wallet) -> None:
    other_year = year_2026(
        label="autre",
        generation_deadline=dt.date(2027, 7, 15),
        redemption_deadline=dt.date(2027, 7, 31),
    )
    other = WalletFactory(school_year=other_year)

    remind(dt.date(2027, 5, 1))

    assert len(mail.outbox) == 1
    assert occasions(other.pupil.family) == []


def test_the_reminder_is_audited_on_the_family(wallet: Wallet) -> None:
    remind(dt.date(2027, 5, 1))

    family = wallet.pupil.family
    assert audit_trail(family) == [("reminder.sent", None)]
    sent = ReminderSent.objects.get()
    assert (sent.kind, sent.target_id, sent.recipient_count) == (KIND, family.pk, 1)


# Switches and summary --------------------------------------------------------------------------


def test_a_kind_switched_off_sends_nothing(wallet: Wallet, settings: Any) -> None:
    settings.PASSPLUS_REMINDER_FAMILY_CREDIT = False

    summary = remind(dt.date(2027, 5, 1))

    assert summary == {
        "family_credit": 0,
        "partner_bank_details": 0,
        "correspondent_invitation": 0,
    }
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()
    assert audit_trail(wallet.pupil.family) == []


@pytest.mark.django_db(transaction=True)
def test_two_callers_at_once_queue_one_e_mail_per_family() -> None:
    """Two schedulers started by mistake: the unique row lets one e-mail through per family.
    Transactional (see tests/browser/test_partner_journey.py)."""
    year = year_2026()
    families = [WalletFactory(school_year=year).pupil.family for _ in range(5)]
    barrier, summaries = threading.Barrier(2), []

    def call() -> None:
        barrier.wait()
        try:
            summaries.append(reminders_send_due(now=at(dt.date(2027, 5, 1))))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(summary[KIND] for summary in summaries) == 5
    assert DBTaskResult.objects.filter(task_path=send_email.module_path).count() == 5
    assert ReminderSent.objects.count() == 5
    for family in families:
        assert [action for action, _ in audit_trail(family)] == ["reminder.sent"]
