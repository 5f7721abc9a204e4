"""Background work of the pupil import: check the file, import it, welcome the new families."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import password_link
from passplus.core.tasks import retried_task
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


@task(queue_name="emails")
def import_job_welcome(*, job_id: int) -> None:
    """One welcome task per family the import created (queued by batches, idempotent)."""
    ids = list(
        Family.objects.filter(import_job_id=job_id, welcome_sent_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for start in range(0, len(ids), WELCOME_BATCH):
        with transaction.atomic():
            for family_id in ids[start : start + WELCOME_BATCH]:
                family_welcome_send.enqueue(family_id=family_id)


@retried_task(queue_name="emails")
def family_welcome_send(*, family_id: int) -> None:
    """E-mail a family its link to choose a password (Django's password-reset token, made
    now so that it never sits in the queue). Sent once: the family is marked first, unmarked
    if sending fails (then the task is retried)."""
    family = Family.objects.select_related("user").get(pk=family_id)
    user = family.user
    if family.anonymised_at is not None:
        return  # past retention: nobody to write to
    if user is None or user.has_usable_password() or user.last_login:
        return  # the parent already has a password
    if not Family.objects.filter(pk=family_id, welcome_sent_at__isnull=True).update(
        welcome_sent_at=timezone.now()
    ):
        return
    link = password_link(user)
    context = {
        "family": family,
        "link": link,
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
        "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
        "validity_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    subject = "".join(render_to_string("pupils/emails/welcome_subject.txt", context).splitlines())
    body = render_to_string("pupils/emails/welcome.txt", context)
    try:
        EmailMessage(subject=subject, body=body, to=[family.email]).send()
    except Exception:
        Family.objects.filter(pk=family_id).update(welcome_sent_at=None)
        raise
