"""E-mail and SMS through the task queue: enqueue in the transaction that causes the message
(`email_later`, `sms_later`), sent by a worker with the shared retry policy (`retried_task`).

Everything but the recipients waits in the queue encrypted (queue_secrets): links with tokens,
one-time codes and personal data never sit in the task's stored arguments in clear.

Every e-mail carries a Message-ID that is the same on each attempt (message_ids): sending is
at-least-once, and a copy sent again after a crash is recognisably the same message.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from passplus.core.metrics import sms_count
from passplus.core.tasks import retried_task
from passplus.notifications.message_ids import message_id, unique_message_id
from passplus.notifications.queue_secrets import seal_text, unseal_text
from passplus.notifications.sms import send_sms_now

logger = logging.getLogger(__name__)


@retried_task(queue_name="emails")
def send_email(*, to: list[str], sealed: str = "", **clear: Any) -> int:
    """Send one e-mail. `sealed` is the encrypted message (subject, bodies, attachments,
    reply-to, Message-ID: see `email_later`); only the recipients are stored in clear.
    `clear` takes the unencrypted keyword arguments of e-mails queued before the message was
    sealed."""
    message = json.loads(unseal_text(sealed)) if sealed else clear
    return _send(to=to, **message)


def _send(
    *,
    to: list[str],
    subject: str,
    body: str,
    html_body: str = "",
    attachments: list[dict[str, str]] | None = None,
    reply_to: list[str] | None = None,
    message_id: str = "",
) -> int:
    """Attachments: {"filename", "mimetype", and "content_b64" or "path"} where "path" is a
    name in the default storage (large files are not copied into the queue). Without
    `message_id` (e-mails queued before it was stored), Django makes a random one."""
    headers = {"Message-ID": message_id} if message_id else None
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=to, reply_to=reply_to, headers=headers
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    for attachment in attachments or []:
        if "path" in attachment:
            with default_storage.open(attachment["path"], "rb") as handle:
                content = handle.read()
        else:
            content = base64.b64decode(attachment["content_b64"])
        message.attach(attachment["filename"], content, attachment["mimetype"])
    return message.send()


@retried_task(queue_name="sms")
def send_sms(
    *, to: str, text: str = "", sealed_text: str = "", valid_until: str | None = None
) -> None:
    """Send one SMS. `sealed_text` is encrypted (one-time codes never sit in the queue in
    clear); past `valid_until` (ISO datetime) the message is useless and is dropped."""
    if valid_until and timezone.now() >= datetime.fromisoformat(valid_until):
        logger.warning("SMS to %s dropped: no longer valid", to[:-2] + "••")
        sms_count("dropped")
        return
    send_sms_now(to, unseal_text(sealed_text) if sealed_text else text)


def email_later(
    *,
    to: list[str],
    subject: str,
    body: str,
    html_body: str = "",
    attachments: list[tuple[str, bytes, str]] | None = None,
    attachment_paths: list[tuple[str, str, str]] | None = None,
    reply_to: list[str] | None = None,
    about: str = "",
) -> None:
    """Enqueue an e-mail in the current transaction: a text body, optionally an HTML
    alternative. Attachments: (filename, bytes, mimetype); attachment_paths: (filename, storage
    path, mimetype). `about` names what the message is about (message_ids.message_id), from
    which its Message-ID is derived; without it the Message-ID is random. Either way it is made
    now and queued with the message, so every attempt sends the same one.

    Everything but the recipients is stored encrypted in the task's arguments (links with
    tokens, personal data): every e-mail is covered, with no flag to forget."""
    encoded = _encoded(attachments) + [
        {"filename": name, "mimetype": mimetype, "path": path}
        for name, path, mimetype in attachment_paths or []
    ]
    message = {
        "subject": subject,
        "body": body,
        "html_body": html_body,
        "attachments": encoded,
        "reply_to": reply_to,
        "message_id": message_id(about=about, to=to) if about else unique_message_id(),
    }
    send_email.enqueue(to=to, sealed=seal_text(json.dumps(message)))


def sms_later(*, to: str, text: str, valid_until: datetime | None = None) -> None:
    """Enqueue an SMS in the current transaction. The text is stored encrypted (it may carry a
    one-time code: no flag to forget); `valid_until` drops it if the queue delivers it too
    late."""
    kwargs: dict[str, str] = {"sealed_text": seal_text(text)}
    if valid_until:
        kwargs["valid_until"] = valid_until.isoformat()
    send_sms.enqueue(to=to, **kwargs)


def email_now(
    *,
    to: list[str],
    subject: str,
    body: str,
    about: str,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> int:
    """Send an e-mail at once, from a task that built it (its own retries apply). `about`
    names what it is about, from the task's arguments (message_ids.message_id): each attempt
    sends the same Message-ID."""
    return _send(
        to=to,
        subject=subject,
        body=body,
        attachments=_encoded(attachments),
        message_id=message_id(about=about, to=to),
    )


def _encoded(attachments: list[tuple[str, bytes, str]] | None) -> list[dict[str, str]]:
    return [
        {"filename": name, "mimetype": mimetype, "content_b64": base64.b64encode(content).decode()}
        for name, content, mimetype in attachments or []
    ]
