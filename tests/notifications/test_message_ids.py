"""Every e-mail has a Message-ID derived from what it is about, the same on every attempt
(issue 31): a copy sent again after a crash is recognisably the same message, while two
messages about two things never share one (passplus/notifications/message_ids.py). The killed
worker itself: tests/workers/test_lost_or_doubled_emails.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django_tasks_db.models import DBTaskResult

from passplus.accounts.tasks import password_reset_send
from passplus.core.tasks import retry_later
from passplus.notifications.message_ids import message_id
from passplus.notifications.tasks import email_later, send_email
from passplus.payments.emails import send_remittance_advice
from passplus.payments.models import Payment
from passplus.pupils.models import Family
from passplus.pupils.tasks import family_welcome_send
from tests.helpers import factories
from tests.helpers.task_triggers import EXTRA_TRIGGERS, TRIGGERS
from tests.helpers.tasks import make_retries_due, run_queued_tasks

pytestmark = pytest.mark.django_db

# The tasks that send e-mails: one built in the caller's transaction (send_email), or built by
# the task itself from what it is about.
EMAIL_TASKS = {
    send_email.module_path,
    send_remittance_advice.module_path,
    password_reset_send.module_path,
    family_welcome_send.module_path,
}


def sent_ids() -> list[str]:
    return [str(message.message()["Message-ID"]) for message in mail.outbox]


def paid_payment(email: str) -> Payment:
    organisation = factories.OrganisationFactory(representative_email=email)
    payment: Payment = factories.PaymentFactory(
        organisation=organisation, paid=True, ticket_count=1
    )
    factories.RedemptionFactory(organisation=organisation, reimbursed=True, payment=payment)
    return payment


def test_a_remittance_advice_sent_twice_has_one_message_id_and_another_payment_another() -> None:
    payment = paid_payment("tresorier@club.example.fr")
    other = paid_payment("tresoriere@autre.example.fr")

    send_remittance_advice.call(payment_id=payment.pk)
    send_remittance_advice.call(payment_id=payment.pk)  # a retry
    send_remittance_advice.call(payment_id=other.pk)

    first, retry, another = sent_ids()
    derived = message_id(about=f"payment-paid:{payment.pk}", to=list(mail.outbox[0].to))
    assert retry == first == derived
    assert another != first


def test_a_welcome_sent_again_after_a_crash_before_its_marker_has_the_same_message_id() -> None:
    family = factories.FamilyFactory(user__email="famille@example.fr", user__password=None)
    family_welcome_send.call(family_id=family.pk)
    Family.objects.update(welcome_sent_at=None)  # as if the worker died before marking it

    family_welcome_send.call(family_id=family.pk)

    first, again = sent_ids()
    assert again == first


def test_two_password_reset_requests_have_two_message_ids_and_each_retry_its_own() -> None:
    factories.UserFactory(email="parent@example.fr")
    first_request = "2026-12-07T10:00:00.000001+00:00"
    password_reset_send.call(email="parent@example.fr", requested_at=first_request)
    password_reset_send.call(email="parent@example.fr", requested_at=first_request)
    password_reset_send.call(
        email="parent@example.fr", requested_at="2026-12-07T10:05:00.000001+00:00"
    )

    first, retry, second_request = sent_ids()
    assert retry == first
    assert second_request != first


def test_a_queued_email_keeps_its_message_id_on_every_attempt() -> None:
    email_later(to=["club@example.fr"], subject="Objet", body="Corps", about="test:1")
    email_later(to=["club@example.fr"], subject="Objet", body="Corps")  # nothing named
    run_queued_tasks()
    for result in DBTaskResult.objects.all():  # each sent again, as its retry would
        retry_later(send_email, [], dict(result.args_kwargs["kwargs"]), attempt=1)
    make_retries_due()
    run_queued_tasks()

    named, unnamed, named_again, unnamed_again = sent_ids()
    assert named_again == named == message_id(about="test:1", to=["club@example.fr"])
    assert unnamed_again == unnamed != named


def test_a_message_id_names_nothing_it_was_derived_from() -> None:
    value = message_id(about="password-reset:parent@example.fr", to=["parent@example.fr"])
    local, domain = value.strip("<>").split("@")
    assert domain == urlsplit(settings.SITE_URL).hostname
    assert "parent" not in local and "password" not in local
    assert value != message_id(about="password-reset:parent@example.fr", to=["autre@example.fr"])


def test_every_email_the_code_sends_has_a_message_id_that_its_retry_repeats(
    client: Client, settings: Any
) -> None:
    for trigger in dict.fromkeys([*TRIGGERS.values(), *EXTRA_TRIGGERS]):
        trigger(client)
    run_queued_tasks()
    first = sent_ids()
    assert len(first) >= 8  # invitations, reset, notices, welcome, reminder, advice...
    assert len(set(first)) == len(first)  # no two messages share one
    host = urlsplit(settings.SITE_URL).hostname
    assert [value for value in first if not value.endswith(f"@{host}>")] == []

    # Every e-mail task run again with its arguments, as its retry (or the recovery) does; the
    # welcomes unmarked, as if their worker had died before marking them.
    mail.outbox.clear()
    Family.objects.update(welcome_sent_at=None)
    done = DBTaskResult.objects.filter(status="SUCCESSFUL", task_path__in=EMAIL_TASKS)
    assert set(done.values_list("task_path", flat=True)) == EMAIL_TASKS
    for result in done:
        kwargs = dict(result.args_kwargs["kwargs"])
        retry_later(result.task, [], kwargs, attempt=int(kwargs.pop("attempt", 1)))
    make_retries_due()
    run_queued_tasks()

    assert sorted(sent_ids()) == sorted(first)
