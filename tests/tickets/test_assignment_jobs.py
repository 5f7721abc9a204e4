"""The scheduler's job `assignments` (issue 35, « The clock »): pending assignments expire when
their time to answer is over, the organisation is reminded a week before and told of new ones
in a digest at most once a day; the family is e-mailed when its assignment is confirmed,
refused or expires. Every e-mail leaves once, names neither the ticket's number nor the
child's birth date, and two schedulers at once change and send nothing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import Role
from passplus.audit.models import AuditEvent
from passplus.core.errors import DomainError
from passplus.scheduling.models import JobOutcome, JobState
from passplus.scheduling.tasks import job_enqueue
from passplus.tickets import assignment_clock
from passplus.tickets import assignments as services
from passplus.tickets.assignment_clock import assignments_clock
from passplus.tickets.assignment_emails import organisation_list_notify
from passplus.tickets.assignments import (
    assignment_confirm,
    assignment_create,
    assignment_expire,
    assignment_refuse,
    assignment_withdraw,
)
from passplus.tickets.models import Assignment
from passplus.tickets.models import AssignmentStatus as A
from passplus.tickets.models import TicketStatus as T
from tests.helpers.assignments import AssignmentSetting, assignment_setting, pending_assignment
from tests.helpers.database import audit_trail, db_row, requires_row_locks
from tests.helpers.factories import ActivityFactory, UserFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.races import held_together, run_together
from tests.helpers.tasks import run_queued_tasks

REASON = "Plus de place dans le groupe du mercredi."
DAY = dt.timedelta(days=1)


@pytest.fixture
def setting() -> AssignmentSetting:
    setting = assignment_setting()
    pupil = setting.wallet.pupil
    pupil.first_name, pupil.last_name = "Léna", "Martin"
    pupil.save(update_fields=["first_name", "last_name"])
    family = pupil.family
    family.email = "parent@famille.example.fr"
    family.save(update_fields=["email"])
    setting.member.email = "accueil@club.example.fr"
    setting.member.save(update_fields=["email"])
    return setting


def clock(now: dt.datetime) -> dict[str, int]:
    """The job's body at `now`, then the e-mails it queued."""
    summary = assignments_clock(now=now).as_dict()
    run_queued_tasks()
    return summary


def sent_to(address: str) -> list[Any]:
    return [message for message in mail.outbox if address in message.to]


def assert_private(message: Any, assignment: Assignment) -> None:
    """Neither the ticket's number (in any spelling) nor the child's birth date."""
    ticket = assignment.ticket
    birth = ticket.wallet.pupil.birth_date
    text = f"{message.subject}\n{message.body}"
    flat = text.replace(" ", "").replace("-", "")
    assert ticket.number not in flat
    assert ticket.number[-8:] not in flat
    for spelling in (f"{birth:%d/%m/%Y}", birth.isoformat(), f"{birth:%d/%m/%y}"):
        assert spelling not in text


# Expiry ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_job_expires_an_assignment_when_its_time_is_over_and_tells_both_sides(
    setting: AssignmentSetting,
) -> None:
    assignment = pending_assignment(setting)
    mail.outbox.clear()

    assert clock(assignment.expires_at - dt.timedelta(minutes=1))["expired"] == 0
    assert db_row(assignment)["status"] == A.PENDING

    summary = clock(assignment.expires_at)

    assert summary["expired"] == 1
    assert db_row(assignment)["status"] == A.EXPIRED
    assert db_row(assignment.ticket)["status"] == T.VOID
    (family_mail,) = sent_to("parent@famille.example.fr")
    assert "n'a pas répondu" in family_mail.subject
    assert "Léna Martin — 40,00\u00a0€" in family_mail.body
    assert "revient au crédit de votre enfant" in family_mail.body
    # The organisation had its digest in the earlier run (no reminder: the digest came in the
    # last week and gave the deadline), then the expiry.
    digest, partner_mail = sent_to("accueil@club.example.fr")
    assert "affecté à confirmer" in digest.subject
    assert "a expiré sans réponse" in partner_mail.subject
    assert "Léna Martin" in partner_mail.body
    assert family_mail.extra_headers["Message-ID"] != partner_mail.extra_headers["Message-ID"]
    for message in (family_mail, partner_mail):
        assert_private(message, assignment)
    # Run again: nothing more expires, nothing more is sent.
    count = len(mail.outbox)
    assert clock(assignment.expires_at + DAY)["expired"] == 0
    assert len(mail.outbox) == count


@pytest.mark.django_db
def test_the_scheduled_task_with_the_clock_moved_expires_it(setting: AssignmentSetting) -> None:
    assignment = pending_assignment(setting)
    with time_machine.travel(assignment.expires_at + dt.timedelta(hours=1), tick=False):
        job_enqueue("assignments")
        run_queued_tasks()
    state = JobState.objects.get(job="assignments")
    assert state.outcome == JobOutcome.SUCCEEDED
    assert state.summary["expired"] == 1
    assert db_row(assignment)["status"] == A.EXPIRED


@pytest.mark.django_db
def test_an_assignment_answered_between_the_listing_and_the_lock_is_skipped(
    setting: AssignmentSetting,
) -> None:
    assignment = pending_assignment(setting)
    real = services.assignment_expire

    def answered_meanwhile(**kwargs: Any) -> None:
        # The family withdraws it after the job listed it, before the job's expiry locks it.
        assignment_withdraw(assignment=assignment, actor=setting.parent)
        real(**kwargs)

    with mock.patch(f"{assignment_clock.__name__}.assignment_expire", answered_meanwhile):
        summary = assignments_clock(now=assignment.expires_at)

    assert (summary.expired, summary.skipped) == (0, 1)
    assert db_row(assignment)["status"] == A.WITHDRAWN


@pytest.mark.django_db
def test_a_withdrawn_or_refused_assignment_is_never_expired(setting: AssignmentSetting) -> None:
    withdrawn = pending_assignment(setting, amount_cents=1000)
    assignment_withdraw(assignment=withdrawn, actor=setting.parent)
    refused = pending_assignment(setting, amount_cents=1000)
    assignment_refuse(assignment=refused, actor=setting.member, reason=REASON)

    summary = clock(refused.expires_at + DAY)

    assert summary["expired"] == 0
    assert db_row(withdrawn)["status"] == A.WITHDRAWN
    assert db_row(refused)["status"] == A.REFUSED


# Digest of new assignments ---------------------------------------------------------------------


@pytest.mark.django_db
def test_new_assignments_reach_the_organisation_in_one_digest_at_most_once_a_day(
    setting: AssignmentSetting,
) -> None:
    first = pending_assignment(setting, amount_cents=2000)
    second = pending_assignment(setting, amount_cents=1500)
    mail.outbox.clear()
    start = first.created_at + dt.timedelta(minutes=30)

    assert clock(start)["digests"] == 1
    (digest,) = sent_to("accueil@club.example.fr")
    assert digest.subject.endswith("2 tickets affectés à confirmer")
    assert "Léna Martin — 20,00\u00a0€" in digest.body
    assert "Léna Martin — 15,00\u00a0€" in digest.body
    assert "réponse attendue avant le" in digest.body
    assert "/espace-affilie/" in digest.body
    assert digest.to == ["accueil@club.example.fr"]
    for assignment in (first, second):
        assert_private(digest, assignment)
        assert db_row(assignment)["announced_at"] == start
    assert ("assignment.digest_sent", None) in audit_trail(setting.organisation)
    (event,) = AuditEvent.objects.for_object(setting.organisation).filter(
        action="assignment.digest_sent"
    )
    assert event.after == {"assignments": [first.pk, second.pk], "emails": 1}

    # A third one arrives an hour later: it waits for the next day's digest.
    third = pending_assignment(setting, amount_cents=1000)
    assert clock(start + dt.timedelta(hours=1))["digests"] == 0
    assert clock(start + dt.timedelta(hours=23))["digests"] == 0
    assert db_row(third)["announced_at"] is None
    assert clock(start + DAY + dt.timedelta(minutes=1))["digests"] == 1
    latest = sent_to("accueil@club.example.fr")[-1]
    assert latest.subject.endswith("un ticket affecté à confirmer")
    assert "10,00\u00a0€" in latest.body and "20,00\u00a0€" not in latest.body
    # Nothing new: no digest.
    assert clock(start + 3 * DAY)["digests"] == 0
    assert len(sent_to("accueil@club.example.fr")) == 2


@pytest.mark.django_db
def test_the_digest_names_only_pending_assignments_of_that_organisation(
    setting: AssignmentSetting,
) -> None:
    other = assignment_setting()
    other.member.email = "autre@club.example.fr"
    other.member.save(update_fields=["email"])
    withdrawn = pending_assignment(setting, amount_cents=1200)
    assignment_withdraw(assignment=withdrawn, actor=setting.parent)
    pending_assignment(setting, amount_cents=1300)
    pending_assignment(other, amount_cents=1700)
    mail.outbox.clear()

    assert clock(timezone.now())["digests"] == 2

    (mine,) = sent_to("accueil@club.example.fr")
    assert "13,00\u00a0€" in mine.body
    assert "12,00\u00a0€" not in mine.body and "17,00\u00a0€" not in mine.body
    (theirs,) = sent_to("autre@club.example.fr")
    assert "17,00\u00a0€" in theirs.body and "13,00\u00a0€" not in theirs.body


# Reminder a week before ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_organisation_is_reminded_once_a_week_before_the_expiry(
    setting: AssignmentSetting,
) -> None:
    assignment = pending_assignment(setting)
    clock(assignment.created_at)  # the digest
    mail.outbox.clear()
    week_before = assignment.expires_at - dt.timedelta(days=7)

    assert clock(week_before - dt.timedelta(hours=1))["reminders"] == 0
    assert clock(week_before + dt.timedelta(minutes=1))["reminders"] == 1
    (reminder,) = sent_to("accueil@club.example.fr")
    assert "attend votre réponse" in reminder.subject
    assert "expire dans moins d'une semaine" in reminder.body
    assert "Léna Martin — 40,00\u00a0€" in reminder.body
    assert_private(reminder, assignment)
    assert db_row(assignment)["reminded_at"] == week_before + dt.timedelta(minutes=1)
    assert ("assignment.reminder_sent", None) in audit_trail(setting.organisation)

    assert clock(week_before + 2 * DAY)["reminders"] == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_no_reminder_for_an_answered_assignment_nor_for_one_announced_in_its_last_week(
    setting: AssignmentSetting,
) -> None:
    answered = pending_assignment(setting, amount_cents=1000)
    late = pending_assignment(setting, amount_cents=1000)
    clock(answered.created_at)
    assignment_confirm(assignment=answered, actor=setting.member)
    # `late` was announced only in its last week: the digest gave its deadline already.
    Assignment.objects.filter(pk=late.pk).update(
        announced_at=late.expires_at - dt.timedelta(days=3)
    )
    mail.outbox.clear()

    assert clock(late.expires_at - dt.timedelta(days=2))["reminders"] == 0
    assert sent_to("accueil@club.example.fr") == []


# The family's e-mails from the services --------------------------------------------------------


@pytest.mark.django_db
def test_the_family_is_told_of_a_confirmation(setting: AssignmentSetting) -> None:
    activity = ActivityFactory(organisation=setting.organisation, name="Judo enfants")
    assignment = assignment_create(
        wallet=setting.wallet,
        organisation=setting.organisation,
        amount_cents=4000,
        actor=setting.parent,
        activity=activity,
    )
    mail.outbox.clear()

    assignment_confirm(assignment=assignment, actor=setting.member)
    run_queued_tasks()

    (message,) = mail.outbox
    assert message.to == ["parent@famille.example.fr"]
    assert "a confirmé l'inscription de Léna" in message.subject
    assert "Léna Martin — 40,00\u00a0€ — Judo enfants" in message.body
    assert_private(message, assignment)


@pytest.mark.django_db
def test_the_family_reads_the_reason_of_a_refusal(setting: AssignmentSetting) -> None:
    assignment = pending_assignment(setting)
    mail.outbox.clear()

    assignment_refuse(assignment=assignment, actor=setting.member, reason=REASON)
    run_queued_tasks()

    (message,) = mail.outbox
    assert message.to == ["parent@famille.example.fr"]
    assert f"Motif donné par l'organisme : {REASON}" in message.body
    assert_private(message, assignment)


@pytest.mark.django_db
def test_a_refused_answer_sends_nothing(setting: AssignmentSetting) -> None:
    """A refusal the service turns down (another organisation's user) queues no e-mail: the
    e-mail is queued in the transaction that rolls back."""
    assignment = pending_assignment(setting)
    stranger = UserFactory(organisation_member=True)
    mail.outbox.clear()
    with pytest.raises(DomainError, match="ne concerne pas votre organisme"):
        assignment_refuse(assignment=assignment, actor=stranger, reason=REASON)
    assignment_withdraw(assignment=assignment, actor=setting.parent)
    run_queued_tasks()
    assert mail.outbox == []
    with pytest.raises(DomainError, match="retiré par la famille"):
        assignment_expire(assignment=assignment, now=assignment.expires_at)
    run_queued_tasks()
    assert mail.outbox == []


# Two schedulers at once ------------------------------------------------------------------------


@requires_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_expire_once_and_tell_each_side_once(setting: AssignmentSetting) -> None:
    assignment = pending_assignment(setting)
    held = held_together(services._locked)
    with mock.patch.object(services, "_locked", held):
        reports = run_together(
            lambda: assignments_clock(now=assignment.expires_at),
            lambda: assignments_clock(now=assignment.expires_at),
        )
    run_queued_tasks()

    assert sorted((report.expired, report.skipped) for report in reports) == [(0, 1), (1, 0)]
    assert db_row(assignment)["status"] == A.EXPIRED
    assert len(sent_to("parent@famille.example.fr")) == 1
    expired = [m for m in sent_to("accueil@club.example.fr") if "expiré" in m.subject]
    assert len(expired) == 1


@requires_row_locks
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["digests", "reminders"])
def test_two_runs_at_once_send_one_digest_and_one_reminder(
    setting: AssignmentSetting, kind: str
) -> None:
    first = pending_assignment(setting, amount_cents=1000)
    pending_assignment(setting, amount_cents=1000)
    now = first.created_at
    if kind == "reminders":
        Assignment.objects.update(announced_at=first.created_at)
        now = first.expires_at - dt.timedelta(days=6)
    held = held_together(organisation_list_notify)
    with mock.patch(f"{assignment_clock.__name__}.organisation_list_notify", held):
        reports = run_together(
            lambda: assignments_clock(now=now).as_dict(),
            lambda: assignments_clock(now=now).as_dict(),
        )
    run_queued_tasks()

    assert sorted(report[kind] for report in reports) == [0, 1], reports
    assert len(sent_to("accueil@club.example.fr")) == 1


# « Tâches planifiées » -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_job_is_listed_in_taches_planifiees(client: Any) -> None:
    client.force_login(UserFactory(role=Role.GESTIONNAIRE))
    page = parse_html(client.get(reverse("backoffice:scheduled_jobs")))
    row = text_of(page, "#tache-assignments")
    assert "Expiration et relances des tickets affectés" in row
    assert "une fois par jour" in row
