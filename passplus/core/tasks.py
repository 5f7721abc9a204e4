"""Background work through django.tasks (database backend), with a small retry policy.

Enqueue inside the transaction that causes the work: the task row is committed or rolled back
with it, so nothing is sent for a change that did not happen, and nothing is lost on a crash.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.tasks import Task, task
from django.utils import timezone

from passplus.core.queue_secrets import seal_text, unseal_text
from passplus.core.sms import send_sms_now

logger = logging.getLogger(__name__)


def retry_delay(attempt: int) -> timedelta:
    """Exponential back-off: base, 2×base, 4×base... after attempts 1, 2, 3..."""
    return timedelta(seconds=settings.TASK_RETRY_BASE_SECONDS * 2 ** (attempt - 1))


# Module paths of the tasks made by `retried_task`: recovery (passplus/workers/recovery.py)
# re-queues one of them whose worker died, by the same policy (`retry_later`).
RETRIED_TASK_PATHS: set[str] = set()


def retry_later(task: Task, args: list[Any], kwargs: dict[str, Any], *, attempt: int) -> bool:
    """Enqueue attempt `attempt + 1` of the call after the back-off, if attempts are left
    (TASK_MAX_ATTEMPTS). True when it was enqueued (in the caller's transaction)."""
    if attempt >= settings.TASK_MAX_ATTEMPTS:
        return False
    kwargs = {key: value for key, value in kwargs.items() if key != "attempt"}
    task.using(run_after=timezone.now() + retry_delay(attempt)).enqueue(
        *args, attempt=attempt + 1, **kwargs
    )
    return True


def retried_task(*, queue_name: str = "default") -> Callable[[Callable[..., Any]], Task]:
    """Like @task, but a failure re-enqueues the task later, up to TASK_MAX_ATTEMPTS.

    Each failed attempt stays recorded as a failed task result (visible in the back office);
    the task receives its attempt number as the `attempt` keyword argument.
    """

    def decorator(func: Callable[..., Any]) -> Task:
        holder: dict[str, Task] = {}

        @functools.wraps(func)
        def wrapper(*args: Any, attempt: int = 1, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception as error:
                if not getattr(error, "retryable", True):
                    logger.error("Task %s failed for good (not retryable)", func.__name__)
                elif retry_later(holder["task"], list(args), kwargs, attempt=attempt):
                    logger.warning(
                        "Task %s failed (attempt %s), retry scheduled", func.__name__, attempt
                    )
                else:
                    logger.error(
                        "Task %s failed for good after %s attempts", func.__name__, attempt
                    )
                raise

        holder["task"] = task(queue_name=queue_name)(wrapper)
        RETRIED_TASK_PATHS.add(holder["task"].module_path)
        return holder["task"]

    return decorator


@retried_task(queue_name="emails")
def send_email(*, to: list[str], sealed: str = "", **clear: Any) -> int:
    """Send one e-mail. `sealed` is the encrypted message (subject, bodies, attachments,
    reply-to: see `email_later`); only the recipients are stored in clear. `clear` takes the
    unencrypted keyword arguments of e-mails queued before the message was sealed."""
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
) -> int:
    """Attachments: {"filename", "mimetype", and "content_b64" or "path"} where "path" is a
    name in the default storage (large files are not copied into the queue)."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, reply_to=reply_to)
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
) -> None:
    """Enqueue an e-mail in the current transaction: a text body, optionally an HTML
    alternative. Attachments: (filename, bytes, mimetype); attachment_paths: (filename, storage
    path, mimetype).

    Everything but the recipients is stored encrypted in the task's arguments (links with
    tokens, personal data): every e-mail is covered, with no flag to forget."""
    encoded = [
        {"filename": name, "mimetype": mimetype, "content_b64": base64.b64encode(content).decode()}
        for name, content, mimetype in attachments or []
    ] + [
        {"filename": name, "mimetype": mimetype, "path": path}
        for name, path, mimetype in attachment_paths or []
    ]
    message = {
        "subject": subject,
        "body": body,
        "html_body": html_body,
        "attachments": encoded,
        "reply_to": reply_to,
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
