"""What staff ask of the periodic jobs: run one now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.scheduling.jobs import JOBS_BY_NAME
from passplus.scheduling.models import JobState
from passplus.scheduling.tasks import job_enqueue

if TYPE_CHECKING:
    from passplus.accounts.models import User


def scheduled_job_start(*, name: str, actor: User) -> bool:
    """Enqueue one run of the job `name` now (e.g. after fixing the cause of a failure),
    audited on its JobState. False, and nothing written, when a run is already waiting.
    An unknown job is refused."""
    if name not in JOBS_BY_NAME:
        raise DomainError("Cette tâche planifiée n'existe pas.")
    with transaction.atomic():
        if job_enqueue(name) is None:
            return False
        state, _ = JobState.objects.get_or_create(job=name)
        record(actor=actor, action="scheduled_job.start", obj=state, after={"job": name})
    return True
