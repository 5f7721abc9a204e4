"""Background work of the switch-over import (docs/switch-over.md): check a file of
organisations, then import it. On the "imports" queue, like the pupil import
(passplus.pupils.tasks)."""

from __future__ import annotations

import logging

from django.tasks import task
from django.utils import timezone

from passplus.organisations.models import OrganisationImport, OrganisationImportStatus
from passplus.organisations.switch_over import jobs

logger = logging.getLogger(__name__)


def _fail(job_id: int, error: Exception) -> None:
    logger.exception("Organisation import %s failed", job_id)
    OrganisationImport.objects.filter(pk=job_id).update(
        status=OrganisationImportStatus.FAILED,
        file_error=f"Erreur inattendue ({type(error).__name__}) : rien n'a été importé.",
        finished_at=timezone.now(),
    )


# Not retried automatically: a failure marks the job failed (nothing imported, the transaction
# rolled back) and the staff retry it from its page. A worker that dies leaves the job to the
# recovery (passplus.workers.recovery), which fails it the same way.
@task(queue_name="imports")
def organisation_import_check(*, job_id: int) -> None:
    job = OrganisationImport.objects.get(pk=job_id)
    try:
        jobs.organisation_import_validate(job=job)
    except Exception as error:
        _fail(job_id, error)
        raise


@task(queue_name="imports")
def organisation_import_run(*, job_id: int) -> None:
    job = OrganisationImport.objects.select_related("imported_by").get(pk=job_id)
    try:
        jobs.organisation_import_execute(job=job)
    except Exception as error:
        _fail(job_id, error)
        raise
