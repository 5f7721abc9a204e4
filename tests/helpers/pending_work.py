"""Work waiting unseen (issue 31): an e-mail task stuck under a worker, an e-mail waiting for
its next retry, as the queue holds them."""

from __future__ import annotations

import datetime as dt

from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from passplus.core.tasks import retry_later
from passplus.notifications.tasks import email_later, send_email
from tests.helpers.workers import running

MINUTE = dt.timedelta(minutes=1)


def queued_email() -> DBTaskResult:
    email_later(to=["famille@example.fr"], subject="Bienvenue", body="Corps")
    return DBTaskResult.objects.latest("enqueued_at")


def stuck_email(*, worker_id: str, started: dt.datetime) -> DBTaskResult:
    """An e-mail task claimed by `worker_id` at `started`, still RUNNING."""
    row = queued_email()
    running(row, worker_id)
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=started, started_at=started)
    return row


def email_waiting_for_retry(
    *, first_enqueued: dt.datetime, next_try: dt.datetime, attempt: int = 2
) -> DBTaskResult:
    """An e-mail whose attempts 1 … attempt-1 failed (the first: the SMTP server hung up; the
    others: refused), attempt `attempt` scheduled at `next_try` by the retry policy."""
    first = queued_email()
    DBTaskResult.objects.filter(pk=first.pk).update(
        status=TaskResultStatus.FAILED,
        enqueued_at=first_enqueued,
        finished_at=first_enqueued + MINUTE,
        exception_class_path="smtplib.SMTPServerDisconnected",
    )
    arguments = first.args_kwargs
    for number in range(1, attempt):
        retry_later(send_email, arguments["args"], arguments["kwargs"], attempt=number)
        later = DBTaskResult.objects.latest("enqueued_at")
        if number < attempt - 1:
            DBTaskResult.objects.filter(pk=later.pk).update(
                status=TaskResultStatus.FAILED,
                enqueued_at=first_enqueued + number * MINUTE,
                exception_class_path="builtins.ConnectionRefusedError",
            )
    DBTaskResult.objects.filter(pk=later.pk).update(
        enqueued_at=first_enqueued + attempt * MINUTE, run_after=next_try
    )
    return later
