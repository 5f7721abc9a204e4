"""Issue 30: two finance users on the same button of the same run at the same instant, through
the pages (one thread and one database connection each). Each effect happens once, the journal
says it once, and the second person is told in French who did it first, and when.

On SQLite every write transaction runs alone, so removing a lock changes nothing there: these
run on PostgreSQL (`requires_row_locks`); the same second click made a moment later, which
SQLite runs too, is in tests/payments/test_payment_run_second_clicks.py."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.audit.models import AuditEvent
from passplus.payments import preparation, services
from passplus.payments.emails import send_remittance_advice
from passplus.payments.models import PaymentRun, PaymentRunStatus, PaymentStatus
from passplus.payments.progress import PreparationRequest
from passplus.payments.tasks import payment_run_prepare_task
from passplus.tickets.models import Redemption, RedemptionStatus
from tests.helpers.accounts import VerifiedClient
from tests.helpers.backoffice import CONFIRMED, messages_of
from tests.helpers.database import requires_row_locks
from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    RedemptionFactory,
    UserFactory,
)
from tests.helpers.pages import parse_html, text_of
from tests.helpers.payments import payment_with_redemptions, run_in
from tests.helpers.races import held_together, run_together
from tests.helpers.tasks import run_queued_tasks

pytestmark = [pytest.mark.django_db(transaction=True), requires_row_locks]
PREPARE = reverse("backoffice:payment_run_prepare")


def finance(first_name: str, last_name: str) -> tuple[Client, Any]:
    user = UserFactory(finance=True, first_name=first_name, last_name=last_name)
    client = VerifiedClient()
    client.force_login(user)
    return client, user


def at(moment: dt.datetime) -> str:
    """How a message names an instant: "le 20/11/2026 à 14:32"."""
    return f"le {timezone.localtime(moment):%d/%m/%Y à %H:%M}"


def actions(run: PaymentRun) -> Counter[str]:
    """How many times the journal records each action on the run and its transfers."""
    events = AuditEvent.objects.for_object(run).values_list("action", flat=True)
    counts = Counter(events)
    for payment in run.payments.all():
        counts.update(AuditEvent.objects.for_object(payment).values_list("action", flat=True))
    return counts


def who_did(run: PaymentRun, action: str) -> Any:
    return AuditEvent.objects.for_object(run).get(action=action).actor


# Préparer la campagne maintenant -----------------------------------------------------------------


@pytest.mark.parametrize("first_ever", [True, False], ids=["first-request", "later-request"])
def test_two_finance_users_preparing_at_once_queue_one_build_and_the_second_learns_who_asked(
    first_ever: bool,
) -> None:
    if not first_ever:  # the row every request locks exists since an earlier request
        PreparationRequest.objects.create(pk=PreparationRequest.ONE)
    club = OrganisationFactory(legal_name="Club Alpha")
    BankAccountFactory(organisation=club, validated=True)
    paris = ZoneInfo("Europe/Paris")
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=paris), tick=False):
        RedemptionFactory(organisation=club, amount_cents=2500)
    ines, ines_user = finance("Inès", "Martin")
    hugo, hugo_user = finance("Hugo", "Bernard")
    names = {ines_user.pk: ines_user.full_name, hugo_user.pk: hugo_user.full_name}
    # Both clicks pass "nothing is being prepared yet" before either queues its build, unless a
    # lock taken before that check keeps the second out until the first has committed.
    waiting = held_together(preparation.preparations_waiting)

    with (
        time_machine.travel(dt.datetime(2026, 11, 20, 14, 32, 45, tzinfo=paris), tick=False),
        mock.patch.object(preparation, "preparations_waiting", waiting),
    ):
        responses = run_together(
            lambda: ines.post(PREPARE, {"reason": ""}),
            lambda: hugo.post(PREPARE, {"reason": ""}),
        )

    queued = DBTaskResult.objects.filter(task_path=payment_run_prepare_task.module_path)
    assert queued.count() == 1, "one build queued, not two"
    first = queued.get().args_kwargs["kwargs"]["actor_id"]
    assert sorted(response.status_code for response in responses) == [200, 302]
    (refused,) = [response for response in responses if response.status_code == 200]
    told = text_of(parse_html(refused), "main")
    assert f"déjà en préparation, demandée par {names[first]} le 20/11/2026 à 14:32" in told
    run_queued_tasks()
    assert PaymentRun.objects.get().built_by_id == first


# Transmise à la banque -------------------------------------------------------------------------


def test_two_finance_users_marking_a_run_transmitted_at_once_transmit_it_once() -> None:
    run = run_in(PaymentRunStatus.APPROVED)
    payment_with_redemptions(run)
    services.payment_run_sepa_download(run=run, actor=run.approved_by)  # issue 31
    ines, _ = finance("Inès", "Martin")
    hugo, _ = finance("Hugo", "Bernard")
    url = reverse("backoffice:payment_run_sent", args=[run.pk])

    responses = run_together(
        lambda: ines.post(url, follow=True), lambda: hugo.post(url, follow=True)
    )

    run.refresh_from_db()
    assert run.status == PaymentRunStatus.SENT
    assert actions(run)["payment_run.send"] == 1
    assert who_did(run, "payment_run.send") == run.sent_by
    shown = sorted(message for response in responses for message in messages_of(response))
    assert shown == sorted(
        [
            "Campagne marquée comme transmise à la banque.",
            f"Campagne déjà transmise à la banque par {run.sent_by.full_name} {at(run.sent_at)}.",
        ]
    )


# Le fichier SEPA --------------------------------------------------------------------------------


def test_two_finance_users_downloading_at_once_get_the_same_file_produced_once() -> None:
    run = run_in(PaymentRunStatus.APPROVED)
    payment_with_redemptions(run)
    ines, _ = finance("Inès", "Martin")
    hugo, _ = finance("Hugo", "Bernard")
    url = reverse("backoffice:payment_run_sepa", args=[run.pk])

    def download(client: Client) -> tuple[int, bytes, str]:
        response = client.get(url)
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        return response.status_code, body, response["X-Content-SHA256"]

    # Without the run's lock both would produce a file (each with its own message id).
    with mock.patch.object(services, "sepa_file", held_together(services.sepa_file)):
        first, second = run_together(lambda: download(ines), lambda: download(hugo))

    run.refresh_from_db()
    assert first == second and first[0] == 200 and first[2] == run.sepa_sha256
    assert actions(run)["payment_run.sepa_file"] == 1
    assert actions(run)["payment_run.sepa_download"] == 2
    stored = list((settings.MEDIA_ROOT / "sepa").rglob("*.xml"))
    assert [path.name for path in stored] == [run.sepa_file.name.rsplit("/", 1)[-1]]


# Tout payé --------------------------------------------------------------------------------------


def test_two_finance_users_marking_every_transfer_paid_at_once_pay_each_once() -> None:
    run = run_in(PaymentRunStatus.SENT)
    payments = [payment_with_redemptions(run, count=2) for _ in range(3)]
    ines, _ = finance("Inès", "Martin")
    hugo, _ = finance("Hugo", "Bernard")
    url = reverse("backoffice:payment_run_all_paid", args=[run.pk])

    responses = run_together(
        lambda: ines.post(url, CONFIRMED, follow=True),
        lambda: hugo.post(url, CONFIRMED, follow=True),
    )

    run.refresh_from_db()
    assert run.status == PaymentRunStatus.CLOSED
    assert set(run.payments.values_list("status", flat=True)) == {PaymentStatus.PAID}
    assert set(Redemption.objects.values_list("status", flat=True)) == {RedemptionStatus.REIMBURSED}
    assert actions(run) == Counter({"payment.paid": 3, "payment_run.close": 1})
    advices = DBTaskResult.objects.filter(task_path=send_remittance_advice.module_path)
    assert sorted(task.args_kwargs["kwargs"]["payment_id"] for task in advices) == sorted(
        payment.pk for payment in payments
    )
    closer = who_did(run, "payment_run.close")
    shown = sorted(message for response in responses for message in messages_of(response))
    assert shown == sorted(
        [
            "Virements en attente marqués comme payés : campagne clôturée.",
            f"Campagne déjà clôturée par {closer.full_name} {at(run.closed_at)} : "
            "aucun virement n'est en attente.",
        ]
    )


def test_two_finance_users_marking_the_last_transfer_paid_at_once_pay_and_close_once() -> None:
    run = run_in(PaymentRunStatus.SENT)
    payment = payment_with_redemptions(run, count=2)
    ines, _ = finance("Inès", "Martin")
    hugo, _ = finance("Hugo", "Bernard")
    url = reverse("backoffice:payment_paid", args=[run.pk, payment.pk])

    responses = run_together(
        lambda: ines.post(url, CONFIRMED, follow=True),
        lambda: hugo.post(url, CONFIRMED, follow=True),
    )

    run.refresh_from_db()
    payment.refresh_from_db()
    assert (run.status, payment.status) == (PaymentRunStatus.CLOSED, PaymentStatus.PAID)
    assert actions(run) == Counter({"payment.paid": 1, "payment_run.close": 1})
    advices = DBTaskResult.objects.filter(task_path=send_remittance_advice.module_path)
    assert advices.count() == 1
    payer = AuditEvent.objects.for_object(payment).get().actor
    shown = sorted(message for response in responses for message in messages_of(response))
    assert shown == sorted(
        [
            "Virement payé.",
            "Tous les virements sont rapprochés : campagne clôturée.",
            f"Virement déjà marqué payé par {payer.full_name} {at(payment.settled_at)}.",
        ]
    )
