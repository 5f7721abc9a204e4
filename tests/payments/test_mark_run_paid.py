"""“Marquer les virements en attente comme payés”: a whole run reconciled at once, all or
nothing, the remittance advices rendered and sent by the worker, not in the request."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.audit.models import AuditEvent
from passplus.core.errors import DomainError
from passplus.payments.emails import send_remittance_advice
from passplus.payments.models import PaymentRun, PaymentRunStatus, PaymentStatus
from passplus.payments.settlement import (
    COUNTS_DIFFER,
    payment_mark_paid,
    payment_mark_rejected,
    payment_run_mark_paid,
)
from passplus.tickets.models import Redemption, RedemptionStatus
from tests.helpers.backoffice import CONFIRMED, messages_of
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import UserFactory
from tests.helpers.payments import payment_with_redemptions, run_in
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def sent_run_of(*names: str) -> PaymentRun:
    run = run_in(PaymentRunStatus.SENT)
    for name in names:
        payment = payment_with_redemptions(run, count=2)
        payment.organisation.legal_name = name
        payment.organisation.representative_email = f"tresorier@{name.lower()}.example.fr"
        payment.organisation.save(update_fields=["legal_name", "representative_email"])
    return run


def mark_all_paid(client: Client, run: PaymentRun) -> list[str]:
    url = reverse("backoffice:payment_run_all_paid", args=[run.pk])
    response = client.post(url, CONFIRMED, follow=True)
    return messages_of(response)


def test_every_pending_transfer_is_paid_the_run_closed_and_each_club_told(client: Client) -> None:
    run = sent_run_of("Aviron", "Basket", "Cirque")
    agent = UserFactory(finance=True)
    client.force_login(agent)

    shown = mark_all_paid(client, run)

    assert shown == ["Virements en attente marqués comme payés : campagne clôturée."]
    assert set(run.payments.values_list("status", flat=True)) == {PaymentStatus.PAID}
    assert all(payment.settled_at for payment in run.payments.all())
    reimbursed = Redemption.objects.filter(payment__run=run, status=RedemptionStatus.REIMBURSED)
    assert reimbursed.count() == 6
    assert PaymentRun.objects.get(pk=run.pk).status == PaymentRunStatus.CLOSED
    for payment in run.payments.all():
        assert audit_trail(payment) == [("payment.paid", agent.pk)]
        event = AuditEvent.objects.for_object(payment).get()
        assert (event.before, event.after) == ({"status": "pending"}, {"status": "paid"})

    # The request queued one small task per transfer; the worker renders and sends.
    assert mail.outbox == []
    queued = DBTaskResult.objects.filter(task_path=send_remittance_advice.module_path)
    assert sorted(task.args_kwargs["kwargs"]["payment_id"] for task in queued) == sorted(
        run.payments.values_list("pk", flat=True)
    )
    run_queued_tasks()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "tresorier@aviron.example.fr",
        "tresorier@basket.example.fr",
        "tresorier@cirque.example.fr",
    ]
    for message in mail.outbox:
        ((filename, content, _mimetype),) = message.attachments
        assert filename.startswith("avis-de-paiement-") and content.startswith(b"%PDF")
        assert "40,00" in message.subject


def test_one_inconsistent_transfer_leaves_the_whole_run_as_it_was(client: Client) -> None:
    """The attack on the old loop: it paid transfer after transfer and stopped at the first
    that failed, leaving a run half paid behind an error message."""
    run = sent_run_of("Aviron", "Basket", "Zèbre")
    broken = run.payments.get(organisation__legal_name="Zèbre")
    broken.redemptions.first().delete()  # two tickets announced, one in payment
    client.force_login(UserFactory(finance=True))
    payments = list(run.payments.all())
    redemptions = list(Redemption.objects.filter(payment__run=run))

    with assert_unchanged(run, *payments, *redemptions, counted=[DBTaskResult]):
        shown = mark_all_paid(client, run)

    assert shown == [COUNTS_DIFFER]


def test_transfers_already_settled_alone_are_left_as_they_are(client: Client) -> None:
    run = sent_run_of("Aviron", "Basket", "Cirque")
    agent = UserFactory(finance=True)
    aviron, basket, cirque = run.payments.order_by("organisation__legal_name")
    payment_mark_paid(payment=aviron, actor=agent)
    payment_mark_rejected(payment=basket, actor=agent, reason="AC04 compte clos")
    run_queued_tasks()  # their own e-mails, sent with them
    mail.outbox.clear()
    client.force_login(agent)

    mark_all_paid(client, run)

    assert db_row(basket)["status"] == PaymentStatus.REJECTED
    assert audit_trail(aviron) == [("payment.paid", agent.pk)]  # not paid twice
    assert db_row(cirque)["status"] == PaymentStatus.PAID
    run_queued_tasks()
    assert [message.to for message in mail.outbox] == [["tresorier@cirque.example.fr"]]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (PaymentRunStatus.APPROVED, "qu'une fois la campagne transmise à la banque"),
        (PaymentRunStatus.CLOSED, "Campagne déjà clôturée"),
    ],
)
def test_a_run_not_with_the_bank_or_settled_is_refused(
    client: Client, status: str, message: str
) -> None:
    run = run_in(status)
    payment = payment_with_redemptions(run)
    if status == PaymentRunStatus.CLOSED:
        payment.status = PaymentStatus.PAID
        payment.save(update_fields=["status"])
    client.force_login(UserFactory(finance=True))

    with assert_unchanged(run, payment, counted=[DBTaskResult, Redemption]):
        shown = mark_all_paid(client, run)

    assert len(shown) == 1 and message in shown[0]


def test_a_club_with_nobody_to_tell_gets_no_e_mail() -> None:
    run = sent_run_of("Aviron")
    payment = run.payments.get()
    payment.organisation.representative_email = ""
    payment.organisation.save(update_fields=["representative_email"])
    payment_mark_paid(payment=payment, actor=UserFactory(finance=True))

    assert send_remittance_advice.call(payment_id=payment.pk) == 0
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["organisation_member", "gestionnaire"])
def test_only_finance_marks_a_run_paid(client: Client, role: str) -> None:
    run = sent_run_of("Aviron")
    payment = run.payments.get()
    client.force_login(UserFactory(**{role: True}))

    with assert_unchanged(run, payment):
        response = client.post(reverse("backoffice:payment_run_all_paid", args=[run.pk]), CONFIRMED)

    assert response.status_code in (302, 403)
    assert db_row(payment)["status"] == PaymentStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_agents_and_a_rejection_at_once_settle_each_transfer_once() -> None:
    """Two finance agents click "marquer payés" while a third rejects one transfer: each
    transfer ends paid or rejected exactly once, its tickets with it, the run closed once."""
    run = sent_run_of("Aviron", "Basket", "Cirque")
    agents = [UserFactory(finance=True) for _ in range(3)]
    rejected = run.payments.get(organisation__legal_name="Basket")
    barrier, outcomes = threading.Barrier(3), []

    def act(action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            action()
            outcomes.append("done")
        except DomainError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    actions: list[Callable[[], object]] = [
        lambda: payment_run_mark_paid(run=run, actor=agents[0]),
        lambda: payment_run_mark_paid(run=run, actor=agents[1]),
        lambda: payment_mark_rejected(payment=rejected, actor=agents[2], reason="AC04 compte clos"),
    ]
    threads = [threading.Thread(target=act, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert "done" in outcomes and len(outcomes) == 3
    expected = {PaymentStatus.PAID: RedemptionStatus.REIMBURSED, PaymentStatus.REJECTED: "rejected"}
    for payment in run.payments.all():
        assert payment.status in expected
        assert [action for action, _ in audit_trail(payment)] == [f"payment.{payment.status}"]
        tickets = set(payment.redemptions.values_list("status", flat=True))
        assert tickets == {expected[payment.status]}
    run.refresh_from_db()
    if run.payments.filter(status=PaymentStatus.PENDING).exists():
        assert run.status == PaymentRunStatus.SENT
    else:
        assert run.status == PaymentRunStatus.CLOSED
        assert audit_trail(run)[-1][0] == "payment_run.close"
        assert [action for action, _ in audit_trail(run)].count("payment_run.close") == 1
