"""E-mail through a real SMTP server on localhost (aiosmtpd): what the worker sends is a proper
text + HTML message with its PDF attachment, and an outage is retried until delivered, once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.notifications.tasks import email_later
from tests.helpers.smtp import SmtpServer, free_port
from tests.helpers.tasks import make_retries_due, ready, run_queued_tasks

PDF = b"%PDF-1.7\n% convention signee\n" + bytes(range(256)) + b"\n%%EOF\n"
TO = "president@club.example.fr"


@pytest.fixture
def smtp_port(settings: Any) -> int:
    """Point the default mailer at a local SMTP port (nothing listens on it yet)."""
    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    return port


@pytest.fixture
def smtp_server(smtp_port: int) -> Iterator[SmtpServer]:
    """The SMTP server on `smtp_port`; the test starts it when it wants it up."""
    server = SmtpServer(smtp_port)
    yield server
    server.stop()


def enqueue_convention_email() -> None:
    email_later(
        to=[TO],
        subject="Votre convention Pass+",
        body="Vous trouverez la convention signée en pièce jointe.",
        html_body="<p>Vous trouverez la convention <strong>signée</strong> en pièce jointe.</p>",
        attachments=[("convention.pdf", PDF, "application/pdf")],
        reply_to=["passplus@departement.example.fr"],
    )


@pytest.mark.django_db
def test_the_worker_delivers_text_html_and_pdf_through_smtp(
    smtp_server: SmtpServer, settings: Any
) -> None:
    mailbox = smtp_server.start()
    enqueue_convention_email()
    assert mailbox.envelopes == []  # nothing is sent before the worker runs

    run_queued_tasks()

    (envelope,) = mailbox.envelopes
    assert envelope.mail_from == "ne-pas-repondre@passplus.example.fr"
    assert envelope.rcpt_tos == [TO]
    (message,) = mailbox.messages()
    assert message["Subject"] == "Votre convention Pass+"
    assert message["To"] == TO
    assert message["Reply-To"] == "passplus@departement.example.fr"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "convention signée" in text.get_content()
    assert "<strong>signée</strong>" in html.get_content()
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "convention.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    assert mail.outbox == []  # really through SMTP, not the test mailer
    assert DBTaskResult.objects.successful().count() == 1


@pytest.mark.django_db
def test_an_email_sent_while_the_smtp_server_is_down_is_delivered_once_by_the_retry(
    smtp_server: SmtpServer,
) -> None:
    enqueue_convention_email()

    run_queued_tasks()  # nothing listens on the port

    failed = DBTaskResult.objects.failed().get()
    assert failed.exception_class_path == "builtins.ConnectionRefusedError"
    retry = ready().get()
    assert retry.queue_name == "emails"
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after > timezone.now()

    mailbox = smtp_server.start()
    run_queued_tasks()  # the retry is not due yet
    assert mailbox.envelopes == []

    make_retries_due()
    run_queued_tasks()
    run_queued_tasks()  # nothing left to send twice

    (message,) = mailbox.messages()
    (attachment,) = message.iter_attachments()
    assert attachment.get_content() == PDF
    assert DBTaskResult.objects.successful().get().args_kwargs["kwargs"]["attempt"] == 2
    assert not ready().exists()
