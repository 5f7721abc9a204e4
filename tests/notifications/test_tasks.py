"""Background work (docs/design.md §6): enqueued in the caller's transaction, sent by the worker,
retried with back-off when the provider fails, recorded when it fails for good."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.core.tasks import retry_delay
from passplus.notifications import sms
from passplus.notifications.tasks import email_later, send_email, sms_later
from tests.helpers.tasks import make_retries_due, ready, run_queued_tasks

PDF = b"%PDF-1.7\n% une convention signee\n%%EOF\n"


class SmtpOutageBackend(BaseEmailBackend):
    """An e-mail provider that is down."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        raise ConnectionRefusedError("Serveur SMTP injoignable")


@pytest.fixture
def smtp_outage(settings: Any) -> None:
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.test_tasks.SmtpOutageBackend"}}


def smtp_back(settings: Any) -> None:
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def send_convention_email() -> None:
    email_later(
        to=["president@club.example.fr"],
        subject="Votre convention Pass+",
        body="Vous trouverez la convention signée en pièce jointe.",
        attachments=[("convention.pdf", PDF, "application/pdf")],
    )


# Transactional enqueue -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_email_enqueued_in_a_rolled_back_transaction_is_never_sent() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        send_convention_email()
        raise RuntimeError("la signature a échoué")

    assert not DBTaskResult.objects.exists()
    run_queued_tasks()
    assert mail.outbox == []

    # The control: the same e-mail in a committed transaction is sent.
    with transaction.atomic():
        send_convention_email()
    run_queued_tasks()
    assert [message.subject for message in mail.outbox] == ["Votre convention Pass+"]


@pytest.mark.django_db
def test_an_email_is_sent_by_the_worker_with_its_attachment() -> None:
    send_convention_email()
    assert mail.outbox == []  # nothing is sent inside the request

    run_queued_tasks()

    (message,) = mail.outbox
    assert message.to == ["president@club.example.fr"]
    assert message.subject == "Votre convention Pass+"
    assert [(a.filename, a.content, a.mimetype) for a in message.attachments] == [
        ("convention.pdf", PDF, "application/pdf")
    ]
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db
def test_only_the_recipients_of_a_queued_email_are_stored_in_clear() -> None:
    send_convention_email()

    kwargs = DBTaskResult.objects.get().args_kwargs["kwargs"]
    assert sorted(kwargs) == ["sealed", "to"]
    assert kwargs["to"] == ["president@club.example.fr"]
    assert "convention" not in kwargs["sealed"].lower()


@pytest.mark.django_db
def test_an_email_queued_in_clear_before_the_upgrade_is_still_sent() -> None:
    send_email.enqueue(to=["ancien@example.fr"], subject="Ancien", body="Corps", reply_to=None)

    run_queued_tasks()

    (message,) = mail.outbox
    assert (message.to, message.subject, message.body) == (["ancien@example.fr"], "Ancien", "Corps")


@pytest.mark.django_db
def test_a_large_attachment_is_read_from_storage_when_the_email_is_sent() -> None:
    path = default_storage.save("conventions/1/convention.pdf", ContentFile(PDF))

    email_later(
        to=["president@club.example.fr"],
        subject="Votre convention Pass+",
        body="Ci-joint.",
        attachment_paths=[("convention-signee.pdf", path, "application/pdf")],
    )
    assert PDF.decode() not in str(DBTaskResult.objects.get().args_kwargs)  # not in the queue
    run_queued_tasks()

    (message,) = mail.outbox
    assert [(a.filename, a.content) for a in message.attachments] == [
        ("convention-signee.pdf", PDF)
    ]


@pytest.mark.django_db
def test_an_sms_is_sent_by_the_worker_through_the_sms_backend(settings: Any) -> None:
    sms_later(to="+33612345678", text="Votre code Pass+ : 123456")
    assert sms.outbox == []

    run_queued_tasks()

    assert sms.outbox == [
        sms.SmsMessage(
            to="+33612345678", text="Votre code Pass+ : 123456", sender=settings.SMS_SENDER
        )
    ]


# Retry policy ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("smtp_outage")
def test_a_failed_email_is_recorded_and_retried_later_with_exponential_back_off(
    settings: Any,
) -> None:
    settings.TASK_MAX_ATTEMPTS = 5
    settings.TASK_RETRY_BASE_SECONDS = 60
    send_convention_email()

    before = timezone.now()
    run_queued_tasks()
    after = timezone.now()

    failed = DBTaskResult.objects.failed().get()
    assert failed.exception_class_path == "builtins.ConnectionRefusedError"
    assert "Serveur SMTP injoignable" in failed.traceback
    retry = ready().get()
    assert retry.task_path == failed.task_path == "passplus.notifications.tasks.send_email"
    assert retry.queue_name == "emails"
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.args_kwargs["kwargs"]["sealed"] == failed.args_kwargs["kwargs"]["sealed"]
    assert before + dt.timedelta(seconds=60) <= retry.run_after <= after + dt.timedelta(seconds=60)

    run_queued_tasks()  # the retry is not due yet: nothing runs
    assert DBTaskResult.objects.failed().count() == 1
    assert ready().count() == 1

    make_retries_due()
    before = timezone.now()
    run_queued_tasks()

    assert DBTaskResult.objects.failed().count() == 2
    retry = ready().get()
    assert retry.args_kwargs["kwargs"]["attempt"] == 3
    assert retry.run_after >= before + dt.timedelta(seconds=120)
    assert mail.outbox == []


def test_the_retry_delay_doubles_after_each_attempt(settings: Any) -> None:
    settings.TASK_RETRY_BASE_SECONDS = 30

    assert [retry_delay(attempt).total_seconds() for attempt in (1, 2, 3, 4)] == [
        30,
        60,
        120,
        240,
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("smtp_outage")
def test_no_retry_after_the_last_attempt(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings.TASK_MAX_ATTEMPTS = 3
    send_convention_email()

    for _ in range(5):
        run_queued_tasks()
        make_retries_due()

    assert DBTaskResult.objects.failed().count() == 3
    assert not ready().exists()
    attempts = sorted(
        result.args_kwargs["kwargs"].get("attempt", 1) for result in DBTaskResult.objects.all()
    )
    assert attempts == [1, 2, 3]
    assert "failed for good after 3 attempts" in caplog.text
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.usefixtures("smtp_outage")
def test_a_retry_sends_the_email_once_the_provider_is_back(settings: Any) -> None:
    send_convention_email()
    run_queued_tasks()
    assert mail.outbox == []

    smtp_back(settings)
    make_retries_due()
    run_queued_tasks()

    (message,) = mail.outbox
    assert [a.filename for a in message.attachments] == ["convention.pdf"]
    assert DBTaskResult.objects.failed().count() == 1
    assert DBTaskResult.objects.successful().get().args_kwargs["kwargs"]["attempt"] == 2
    assert not ready().exists()


@pytest.mark.django_db
def test_a_failed_sms_is_retried_too(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def provider_down(self: Any, message: sms.SmsMessage) -> None:
        raise TimeoutError("fournisseur SMS injoignable")

    monkeypatch.setattr(sms.LocmemBackend, "send", provider_down)
    sms_later(to="+33612345678", text="Votre code Pass+ : 123456")
    run_queued_tasks()

    assert DBTaskResult.objects.failed().get().exception_class_path == "builtins.TimeoutError"
    retry = ready().get()
    assert retry.queue_name == "sms"
    failed_kwargs = DBTaskResult.objects.failed().get().args_kwargs["kwargs"]
    assert retry.args_kwargs["kwargs"] == {**failed_kwargs, "attempt": 2}
    assert sorted(failed_kwargs) == ["sealed_text", "to"]

    monkeypatch.undo()
    make_retries_due()
    run_queued_tasks()
    assert [message.text for message in sms.outbox] == ["Votre code Pass+ : 123456"]
