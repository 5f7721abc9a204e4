"""Background work of the switch-over import (docs/switch-over.md): check a file of
organisations, then import it, on the "imports" queue like the pupil import
(passplus.pupils.tasks); then invite the contacts of the organisations it created to claim
their accounts."""

from __future__ import annotations

import logging

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from passplus.accounts.models import User
from passplus.core.tasks import retried_task
from passplus.organisations.models import (
    ImportedOrganisation,
    OrganisationImport,
    OrganisationImportStatus,
)
from passplus.organisations.switch_over import jobs
from passplus.organisations.switch_over.applying import batches
from passplus.organisations.switch_over.claims import CLAIMABLE, claim_invitations_send_new

logger = logging.getLogger(__name__)

# Claim invitations written per transaction (its links, audit rows and queued e-mails).
INVITE_BATCH = 500


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


@retried_task(queue_name="emails")
def organisation_import_invite(*, imported_ids: list[int], actor_id: int | None) -> None:
    """The claim invitations an import queued (its new organisations, and those whose contact
    changed before claiming), by batches committed one at a time, each row locked. Idempotent,
    hence retried: run again (a retry, a worker killed half-way and recovered), it skips the
    rows invited meanwhile, the claimed and the terminated ones."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    for batch in batches(sorted(imported_ids), INVITE_BATCH):
        with transaction.atomic():
            rows = list(
                ImportedOrganisation.objects.select_for_update(of=("self",))
                .select_related("organisation")
                .filter(
                    pk__in=batch,
                    invitation__isnull=True,
                    claimed_at__isnull=True,
                    organisation__members__isnull=True,
                    organisation__status__in=CLAIMABLE,
                )
                .order_by("pk")
            )
            claim_invitations_send_new(rows, actor=actor)
