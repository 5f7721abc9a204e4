"""Back office: the "À traiter" queue (eligibility, bank details, blocks, failed tasks with a
retry), writing to an organisation, and voiding / restoring a ticket — with roles."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.core.errors import DomainError
from passplus.core.tasks import RETRIED_TASK_PATHS
from passplus.health.pending import TASK_LABELS
from passplus.notifications.tasks import email_later
from passplus.organisations.enums import BankAccountStatus
from passplus.scheduling.retries import task_retry
from passplus.scheduling.tasks import job_enqueue
from passplus.tickets.models import RedemptionStatus, TicketStatus
from passplus.tickets.numbers import generate_ticket_number
from passplus.tickets.services import ticket_lookup, ticket_void_by_staff
from tests.helpers.backoffice import CONFIRMED
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    RedemptionFactory,
    TicketFactory,
    UserFactory,
)
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import defined_tasks, run_queued_tasks

pytestmark = pytest.mark.django_db


def login(client: Client, **role: Any) -> Any:
    user = UserFactory(**role)
    client.force_login(user)
    return user


def test_the_queue_lists_what_waits_for_a_person(client: Client, settings: Any) -> None:
    settings.PASSPLUS_LOOKUP_MAX_FAILURES = 1
    settings.PASSPLUS_LOOKUP_MAX_FAILURES_PER_ADDRESS = 1
    commercial = OrganisationFactory(
        legal_name="Théâtre Privé SARL", is_non_profit=False, eligibility_justification="…"
    )
    OrganisationFactory(legal_name="Club à but non lucratif")
    account = BankAccountFactory(pending=True, organisation__legal_name="Club au RIB neuf")
    blocked = OrganisationFactory(legal_name="Club bloqué")
    with pytest.raises(DomainError, match="bloquée"):  # one failure: blocked
        ticket_lookup(
            number=generate_ticket_number(),
            birth_date=timezone.localdate(),
            organisation=blocked,
            ip="203.0.113.9",
        )
    login(client, gestionnaire=True)

    page = text_of(parse_html(client.get(reverse("backoffice:review_queue"))), "main")

    assert commercial.legal_name in page and "Club à but non lucratif" not in page
    assert "Club au RIB neuf" in page and account.masked_iban in page
    assert "Club bloqué" in page and "203.0.113.9" in page
    assert "Aucune tâche en échec" in page


def test_a_task_failed_for_good_is_listed_and_retried_once(client: Client, settings: Any) -> None:
    settings.TASK_MAX_ATTEMPTS = 2
    working_mailers = settings.MAILERS
    with socket.socket() as probe:  # a local port nothing listens on: the relay is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    email_later(to=["club@example.fr"], subject="Essai", body="Corps")
    run_queued_tasks()  # attempt 1 fails, attempt 2 is scheduled later: not "for good" yet
    login(client, gestionnaire=True)
    assert "Aucune tâche en échec" in text_of(
        parse_html(client.get(reverse("backoffice:review_queue"))), "main"
    )
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_queued_tasks()  # attempt 2 fails: the last one

    page = parse_html(client.get(reverse("backoffice:review_queue")))
    (form,) = page.select("form[action*='/relancer/']")
    assert "Envoi d'e-mail" in text_of(page, "main")
    assert "Essai" not in text_of(page, "main")  # the message itself is not shown

    settings.MAILERS = working_mailers  # the relay is back
    client.post(form["action"])
    run_queued_tasks()

    assert [message.subject for message in mail.outbox] == ["Essai"]
    assert "Aucune tâche en échec" in text_of(
        parse_html(client.get(reverse("backoffice:review_queue"))), "main"
    )
    retried = DBTaskResult.objects.get(pk=resolve(form["action"]).kwargs["pk"])
    with assert_unchanged(retried, counted=[DBTaskResult]):
        response = client.post(form["action"], follow=True)  # twice: refused
    assert "déjà relancée" in text_of(parse_html(response), ".messages")


def test_only_managers_retry_tasks_and_staff_only_see_the_queue(client: Client) -> None:
    login(client, finance=True)
    assert client.get(reverse("backoffice:review_queue")).status_code == 200
    url = reverse("backoffice:task_retry", args=["3f2c1e7a-1111-4222-8333-944455556666"])
    with assert_unchanged(counted=[DBTaskResult]):
        assert client.post(url).status_code == 403
    login(client, organisation_member=True)
    assert client.get(reverse("backoffice:review_queue")).status_code == 403


def test_a_gestionnaire_writes_to_an_organisation(client: Client) -> None:
    organisation = OrganisationFactory(representative_email="presidente@club.example.fr")
    member = UserFactory(organisation_member=True, organisation=organisation)
    agent = login(client, gestionnaire=True)
    url = reverse("backoffice:organisation_message", args=[organisation.pk])

    with assert_unchanged(organisation, counted=[DBTaskResult]):
        response = client.post(url, {"subject": "", "body": "x"}, follow=True)
    assert "Indiquez l'objet" in text_of(parse_html(response), ".messages")
    client.post(url, {"subject": "Pièce manquante", "body": "Merci d'envoyer votre RIB."})
    run_queued_tasks()

    (message,) = mail.outbox
    assert sorted(message.to) == sorted([member.email, "presidente@club.example.fr"])
    assert message.subject.endswith("Pièce manquante")
    assert "Merci d'envoyer votre RIB." in message.body
    assert ("organisation.message", agent.pk) in audit_trail(organisation)


def test_finance_cannot_write_to_an_organisation(client: Client) -> None:
    organisation = OrganisationFactory()
    login(client, finance=True)
    url = reverse("backoffice:organisation_message", args=[organisation.pk])
    with assert_unchanged(organisation, counted=[DBTaskResult]):
        assert client.post(url, {"subject": "a", "body": "b"}).status_code == 403


def test_voiding_an_unused_ticket_returns_its_amount() -> None:
    ticket = TicketFactory(amount_cents=3000)
    wallet = ticket.wallet
    remaining = wallet.remaining_cents()
    agent = UserFactory(gestionnaire=True)

    ticket_void_by_staff(ticket=ticket, actor=agent, reason="Fraude signalée")

    assert ticket.status == TicketStatus.VOID and ticket.status_reason == "Fraude signalée"
    assert wallet.remaining_cents() == remaining + 3000
    assert ("ticket.void", agent.pk) in audit_trail(ticket)


def test_voiding_an_entered_ticket_cancels_the_entry_first() -> None:
    redemption = RedemptionFactory()
    agent = UserFactory(gestionnaire=True)

    ticket_void_by_staff(ticket=redemption.ticket, actor=agent, reason="Élève parti")

    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.CANCELLED
    assert redemption.status_reason == "Élève parti"
    assert redemption.ticket.status == TicketStatus.VOID


@pytest.mark.parametrize("state", ["in_payment", "reimbursed", "rejected"])
def test_a_ticket_in_a_payment_run_cannot_be_voided(state: str) -> None:
    redemption = RedemptionFactory(**{state: True})
    with (
        assert_unchanged(redemption, redemption.ticket),
        pytest.raises(DomainError, match="campagne de remboursement"),
    ):
        ticket_void_by_staff(
            ticket=redemption.ticket, actor=UserFactory(gestionnaire=True), reason="Fraude"
        )


@pytest.mark.parametrize("state", ["void", "expired"])
def test_a_void_or_expired_ticket_cannot_be_voided_again(state: str) -> None:
    ticket = TicketFactory(**{state: True})
    with assert_unchanged(ticket), pytest.raises(DomainError, match="ne peut pas être annulé"):
        ticket_void_by_staff(ticket=ticket, actor=UserFactory(gestionnaire=True), reason="Fraude")


def test_voiding_requires_a_reason() -> None:
    ticket = TicketFactory()
    with assert_unchanged(ticket), pytest.raises(DomainError, match="motif"):
        ticket_void_by_staff(ticket=ticket, actor=UserFactory(gestionnaire=True), reason="  ")


def test_a_wrongly_voided_ticket_is_restored_and_audited() -> None:
    ticket = TicketFactory(void=True)
    agent = UserFactory(gestionnaire=True)

    ticket.restore(actor=agent, reason="Annulé par erreur")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.AVAILABLE
    assert ("ticket.restore", agent.pk) in audit_trail(ticket)


def test_void_and_restore_are_refused_to_finance_and_partners(client: Client) -> None:
    ticket = TicketFactory()
    for role in ({"finance": True}, {"organisation_member": True}, {"correspondent": True}):
        login(client, **role)
        with assert_unchanged(ticket):
            response = client.post(
                reverse("backoffice:ticket_void", args=[ticket.pk]),
                {"reason": "Fraude", **CONFIRMED},
            )
        assert response.status_code == 403


def test_pending_bank_details_leave_the_queue_once_validated(client: Client) -> None:
    account = BankAccountFactory(pending=True, organisation__legal_name="Club en attente")
    login(client, gestionnaire=True)
    account.validate(actor=UserFactory(gestionnaire=True))
    assert account.status == BankAccountStatus.VALIDATED
    page = text_of(parse_html(client.get(reverse("backoffice:review_queue"))), "main")
    assert "Club en attente" not in page


# The service (passplus.scheduling.retries.task_retry) ------------------------------------------


def failed(result: DBTaskResult) -> DBTaskResult:
    DBTaskResult.objects.filter(pk=result.pk).update(
        status="FAILED", finished_at=timezone.now(), exception_class_path="builtins.OSError"
    )
    return DBTaskResult.objects.get(pk=result.pk)


def test_the_retry_service_enqueues_a_task_failed_for_good_once_audited() -> None:
    staff = UserFactory(gestionnaire=True)
    email_later(to=["club@example.fr"], subject="Essai", body="Corps")
    task_result = failed(DBTaskResult.objects.get())

    assert task_retry(task_result=task_result, actor=staff) is None

    again = DBTaskResult.objects.get(status="READY")
    assert again.task_path == task_result.task_path and again.pk != task_result.pk
    assert audit_trail(task_result) == [("task.retry", staff.pk)]
    with (
        assert_unchanged(task_result, counted=[DBTaskResult]),
        pytest.raises(DomainError, match="déjà relancée"),
    ):
        task_retry(task_result=task_result, actor=staff)  # twice: refused


def test_the_retry_service_refuses_a_task_that_did_not_fail() -> None:
    email_later(to=["club@example.fr"], subject="Essai", body="Corps")
    waiting = DBTaskResult.objects.get()
    with assert_unchanged(waiting, counted=[DBTaskResult]), pytest.raises(DomainError):
        task_retry(task_result=waiting, actor=UserFactory(gestionnaire=True))


def test_the_retry_service_leaves_a_periodic_jobs_run_to_its_next_time() -> None:
    run = job_enqueue("reminders")
    assert run is not None
    task_result = failed(DBTaskResult.objects.get(pk=run.id))
    with assert_unchanged(task_result, counted=[DBTaskResult]), pytest.raises(DomainError):
        task_retry(task_result=task_result, actor=UserFactory(gestionnaire=True))


def test_every_retried_task_has_a_french_name_in_the_failed_tasks_list() -> None:
    defined_tasks()  # imports every module, so that each retried task is registered
    scheduled = "passplus.scheduling.tasks.scheduled_job_run"  # listed as its job's name
    names = {path.rsplit(".", 1)[-1] for path in RETRIED_TASK_PATHS - {scheduled}}
    assert names and names <= set(TASK_LABELS), names - set(TASK_LABELS)
