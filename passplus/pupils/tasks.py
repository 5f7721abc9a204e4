"""Background work of the pupil import: check the file, import it, welcome the new families."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, IntegerField, OuterRef
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import password_link
from passplus.core.tasks import retried_task
from passplus.notifications.tasks import email_now
from passplus.pupils import services
from passplus.pupils.models import Family, ImportJob, ImportStatus

logger = logging.getLogger(__name__)

WELCOME_BATCH = 1000


def _fail(job_id: int, error: Exception) -> None:
    logger.exception("Pupil import %s failed", job_id)
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.FAILED,
        file_error=f"Erreur inattendue ({type(error).__name__}) : rien n'a été importé.",
        finished_at=timezone.now(),
    )


# Not retried: a failure marks the job failed (nothing imported, the transaction rolled back)
# and the staff upload the file again.
@task(queue_name="imports")
def import_job_check(*, job_id: int) -> None:
    job = ImportJob.objects.select_related("school_year").get(pk=job_id)
    try:
        services.import_job_validate(job=job)
    except Exception as error:
        _fail(job_id, error)
        raise


@task(queue_name="imports")
def import_job_run(*, job_id: int) -> None:
    job = ImportJob.objects.select_related("school_year", "imported_by").get(pk=job_id)
    try:
        services.import_job_execute(job=job)
    except Exception as error:
        _fail(job_id, error)
        raise


@retried_task(queue_name="emails")
def import_job_welcome(*, job_id: int) -> None:
    """One welcome task per family the import created, neither welcomed nor with its welcome
    already queued, by batches committed one at a time. Idempotent, hence retried: a worker
    killed half-way leaves it to the recovery (passplus.workers.recovery), which runs it again,
    and it queues the rest."""
    queued = DBTaskResult.objects.filter(
        task_path=family_welcome_send.module_path, status=TaskResultStatus.READY
    ).annotate(family_id=Cast(KT("args_kwargs__kwargs__family_id"), IntegerField()))
    ids = list(
        Family.objects.filter(import_job_id=job_id, welcome_sent_at__isnull=True)
        .exclude(Exists(queued.filter(family_id=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), WELCOME_BATCH):
        _enqueue_welcomes(ids[start : start + WELCOME_BATCH])


def _enqueue_welcomes(family_ids: list[int]) -> None:
    """One batch, committed together."""
    with transaction.atomic():
        for family_id in family_ids:
            family_welcome_send.enqueue(family_id=family_id)


@retried_task(queue_name="emails")
def family_welcome_send(*, family_id: int) -> None:
    """E-mail a family its link to choose a password (Django's password-reset token, made
    now so that it never sits in the queue), once: the family is marked sent only after the
    SMTP server accepted the message, its row locked meanwhile (a second task for the same
    family waits, then finds it sent). A worker killed during the send leaves it unmarked and
    the task to the recovery, which sends it again: at-least-once, with the same Message-ID."""
    with _family_row_lock():
        family = (
            Family.objects.select_for_update(of=("self",)).select_related("user").get(pk=family_id)
        )
        if not _awaits_welcome(family):
            return
        subject, body = _welcome(family)
        email_now(
            to=[family.email], subject=subject, body=body, about=f"family-welcome:{family.pk}"
        )
        Family.objects.filter(pk=family.pk).update(welcome_sent_at=timezone.now())


def _family_row_lock() -> AbstractContextManager[Any]:
    """The transaction that holds the family's row lock (PostgreSQL) until it is marked.
    SQLite has no row locks: a transaction there would lock the whole database for the SMTP
    exchange, so the send runs outside one (a second concurrent task for the same family, on
    a second worker, could send a copy with the same Message-ID)."""
    if connection.features.has_select_for_update:
        return transaction.atomic()
    return nullcontext()


def _awaits_welcome(family: Family) -> bool:
    if family.welcome_sent_at is not None or family.anonymised_at is not None:
        return False  # welcomed already; or past retention: nobody to write to
    user = family.user
    # No account, or the parent already has a password.
    return not (user is None or user.has_usable_password() or user.last_login)


def _welcome(family: Family) -> tuple[str, str]:
    """Subject and body of the welcome e-mail."""
    assert family.user is not None
    context = {
        "family": family,
        "link": password_link(family.user),
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
        "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
        "validity_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    subject = render_to_string("pupils/emails/welcome_subject.txt", context)
    body = render_to_string("pupils/emails/welcome.txt", context)
    return "".join(subject.splitlines()), body
