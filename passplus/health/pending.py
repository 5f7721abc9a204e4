"""Background work that waits without anyone seeing it (« À traiter », `/sante/detail/`):

- a task **stuck under a dead worker**: still RUNNING, its worker (the last that claimed it) not
  seen within WORKER_LEASE_SECONDS or never registered. The scheduler's `dead_work` job fails or
  re-queues it within minutes (passplus/workers/recovery.py); one listed longer means that job
  does not run;
- a task **waiting for its next retry**: READY, a retry (`attempt` in its arguments, as
  core.tasks.retry_later enqueues it) whose `run_after` is still ahead. Its age counts from its
  first attempt's enqueueing (the failed attempts of the same call), so an e-mail delayed by an
  SMTP outage shows how late it already is.

Only labels and times are shown: never a recipient, a subject or an exception's message.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from passplus.core.tasks import retry_delay
from passplus.health.outcomes import duration, moment
from passplus.workers.models import WorkerHeartbeat
from passplus.workers.recovery import WORKER_LOST_PATH

TASK_LABELS = {
    "send_email": "Envoi d'e-mail",
    "send_sms": "Envoi de SMS",
    "password_reset_send": "Envoi d'un lien de nouveau mot de passe",
    "family_welcome_send": "Envoi de l'e-mail de bienvenue à une famille",
    "import_job_check": "Vérification d'un import de collégiens",
    "import_job_run": "Import de collégiens",
    "import_job_welcome": "Préparation des e-mails de bienvenue d'un import",
    "organisation_import_check": "Vérification d'une reprise d'organismes",
    "organisation_import_run": "Reprise d'organismes",
    "organisation_import_invite": "Invitations des organismes repris à créer leur accès",
    "claim_invitations_resend": "Renvoi des invitations aux organismes repris sans accès",
    "send_remittance_advice": "Envoi d'un avis de paiement",
    "payment_run_prepare_task": "Préparation d'une campagne de remboursement",
}
ERROR_LABELS = {WORKER_LOST_PATH: "Processus de traitement arrêté pendant la tâche"}
# A page lists at most this many of each (the counts are exact).
LIST_LIMIT = 200
# How far before a waiting retry its first attempt is looked for, beyond the back-offs.
FIRST_ATTEMPT_SLACK = dt.timedelta(days=1)


def task_label(task_path: str) -> str:
    name = task_path.rsplit(".", 1)[-1]
    return TASK_LABELS.get(name, name)


def error_label(exception_class_path: str) -> str:
    return ERROR_LABELS.get(exception_class_path, exception_class_path.removeprefix("builtins."))


@dataclass(frozen=True)
class StuckTask:
    pk: uuid.UUID
    label: str
    started_at: dt.datetime
    age: dt.timedelta  # since it started
    silent_for: dt.timedelta | None  # since its worker was last seen; None: no heartbeat

    @property
    def age_text(self) -> str:
        return duration(self.age)

    @property
    def silent_text(self) -> str:
        return "processus inconnu" if self.silent_for is None else duration(self.silent_for)

    def describe(self) -> str:
        worker = (
            f"son processus ne se signale plus depuis {duration(self.silent_for)}"
            if self.silent_for is not None
            else "processus inconnu"
        )
        return f"{self.label} : en cours depuis {duration(self.age)}, {worker}"


@dataclass(frozen=True)
class WaitingRetry:
    pk: uuid.UUID
    label: str
    attempt: int
    max_attempts: int
    next_try_at: dt.datetime
    age: dt.timedelta  # since its first attempt was enqueued
    last_error: str

    @property
    def age_text(self) -> str:
        return duration(self.age)

    @property
    def next_try_text(self) -> str:
        return moment(self.next_try_at)

    def describe(self) -> str:
        error = f" (dernière erreur : {self.last_error})" if self.last_error else ""
        return (
            f"{self.label} : en attente depuis {duration(self.age)}, essai {self.attempt} sur "
            f"{self.max_attempts} {moment(self.next_try_at)}{error}"
        )


def stuck_tasks(now: dt.datetime) -> list[StuckTask]:
    """RUNNING tasks whose worker is not alive (the recovery's rule), oldest first (a few at
    most: one per worker process)."""
    alive = set(WorkerHeartbeat.objects.alive(now).values_list("worker_id", flat=True))
    rows = [
        row
        for row in DBTaskResult.objects.running().order_by("started_at")
        if _owner(row) not in alive
    ]
    seen = dict(
        WorkerHeartbeat.objects.filter(worker_id__in={_owner(row) for row in rows}).values_list(
            "worker_id", "last_seen_at"
        )
    )
    return [
        StuckTask(
            pk=row.pk,
            label=task_label(row.task_path),
            started_at=row.started_at or row.enqueued_at,
            age=_since(now, row.started_at or row.enqueued_at),
            silent_for=_since(now, seen[_owner(row)]) if _owner(row) in seen else None,
        )
        for row in rows
    ]


def _retries_waiting(now: dt.datetime) -> QuerySet[DBTaskResult[..., Any]]:
    return (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY, run_after__gt=now)
        .exclude(run_after=get_date_max())
        .filter(args_kwargs__kwargs__has_key="attempt")
    )


def waiting_retries_count(now: dt.datetime) -> int:
    return _retries_waiting(now).count()


def waiting_retries(now: dt.datetime) -> list[WaitingRetry]:
    """Retries not yet due, the longest waiting first (by their first attempt)."""
    rows = list(_retries_waiting(now).order_by("enqueued_at")[:LIST_LIMIT])
    if not rows:
        return []
    failed = _failed_attempts(rows)
    listed = []
    for row in rows:
        earlier = failed.get(_call_key(row), [])
        first = min([row.enqueued_at, *(attempt.enqueued_at for attempt in earlier)])
        last = max(earlier, key=_attempt, default=None)
        listed.append(
            WaitingRetry(
                pk=row.pk,
                label=task_label(row.task_path),
                attempt=_attempt(row),
                max_attempts=settings.TASK_MAX_ATTEMPTS,
                next_try_at=row.run_after,
                age=_since(now, first),
                last_error=error_label(last.exception_class_path) if last else "",
            )
        )
    return sorted(listed, key=lambda waiting: waiting.age, reverse=True)


def _failed_attempts(rows: list[DBTaskResult[..., Any]]) -> dict[str, list[Any]]:
    """The failed attempts of the same calls as `rows`, by call: one query, bounded by the
    longest back-off chain before the oldest row."""
    back_offs = sum(
        (retry_delay(attempt) for attempt in range(1, settings.TASK_MAX_ATTEMPTS)),
        dt.timedelta(0),
    )
    since = min(row.enqueued_at for row in rows) - back_offs - FIRST_ATTEMPT_SLACK
    candidates = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED,
        task_path__in={row.task_path for row in rows},
        enqueued_at__gte=since,
    ).only("task_path", "args_kwargs", "enqueued_at", "exception_class_path")
    wanted = {_call_key(row) for row in rows}
    found: dict[str, list[Any]] = {}
    for candidate in candidates:
        key = _call_key(candidate)
        if key in wanted:
            found.setdefault(key, []).append(candidate)
    return found


def _owner(row: DBTaskResult[..., Any]) -> str:
    return str(row.worker_ids[-1]) if row.worker_ids else ""


def _attempt(row: DBTaskResult[..., Any]) -> int:
    return int((row.args_kwargs.get("kwargs") or {}).get("attempt", 1))


def _call_key(row: DBTaskResult[..., Any]) -> str:
    """The task and its arguments, whatever the attempt (as scheduling.retries keys them)."""
    kwargs = {k: v for k, v in (row.args_kwargs.get("kwargs") or {}).items() if k != "attempt"}
    return json.dumps([row.task_path, row.args_kwargs.get("args"), kwargs], sort_keys=True)


def _since(now: dt.datetime, then: dt.datetime) -> dt.timedelta:
    return max(now - then, dt.timedelta(0))
