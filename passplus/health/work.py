"""Health of the background work: the task queue, failed tasks, tasks stuck under a dead
worker or waiting for their next retry, the scheduler, the workers, and the payment runs the
scheduler builds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Min, Q, QuerySet
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from passplus.core.french import counted
from passplus.health import pending
from passplus.health.outcomes import Outcome, Status, duration, error, moment, ok, warning
from passplus.payments.build import due_cut_offs
from passplus.scheduling.lease import LEASE_NAME
from passplus.scheduling.models import SchedulerLease
from passplus.workers.models import WorkerHeartbeat

# The oldest task ready to run has waited longer than this: workers are missing or too few.
QUEUE_WARNING_AGE = dt.timedelta(minutes=10)
QUEUE_ERROR_AGE = dt.timedelta(hours=1)
# Failed task results counted over this window (any failure is worth a look: warning).
FAILED_TASKS_WINDOW = dt.timedelta(hours=24)
# A worker that stopped beating without stopping cleanly is reported for this long; after
# that, the queue's age tells whether the others keep up.
LOST_WORKER_WINDOW = dt.timedelta(hours=1)
# A task stuck under a worker silent this long was not recovered: the scheduler's `dead_work`
# job (every 5 minutes, once the worker's lease ran out) does not run.
STUCK_ERROR_AGE = dt.timedelta(minutes=30)
# The health report lists this many of each (the pages of « À traiter » list them all).
DETAILS_LIMIT = 20
# A past cut-off still without a run this long after it: the scheduler builds it at 00:05 on
# the day of the cut-off, so one day late is a warning, two days an error.
PAYMENT_RUN_WARNING_DELAY = dt.timedelta(days=1)
PAYMENT_RUN_ERROR_DELAY = dt.timedelta(days=2)


def _ready(now: dt.datetime) -> QuerySet[DBTaskResult[..., Any]]:
    """django-tasks-db's `ready()` at `now`: waiting, and due (never delayed, or past their
    `run_after`, as a retry is)."""
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
        Q(run_after=get_date_max()) | Q(run_after__lte=now)
    )


def task_queue(now: dt.datetime) -> Outcome:
    """How many tasks are ready to run now (retries waiting for their time not counted)."""
    depth = _ready(now).count()
    return ok(f"{counted(depth, 'tâche')} en attente d'un processus de traitement.", depth)


def oldest_task(now: dt.datetime) -> Outcome:
    """How long the oldest ready task has waited: since it was enqueued, or since the time it
    was due (a retry's `run_after`)."""
    ready = _ready(now)
    never_delayed = ready.filter(run_after=get_date_max()).aggregate(oldest=Min("enqueued_at"))
    delayed = ready.exclude(run_after=get_date_max()).aggregate(oldest=Min("run_after"))
    waiting_since = [
        when for when in (never_delayed["oldest"], delayed["oldest"]) if when is not None
    ]
    if not waiting_since:
        return ok("Aucune tâche en attente.", 0)
    age = max(now - min(waiting_since), dt.timedelta(0))
    seconds = int(age.total_seconds())
    text = f"La plus ancienne tâche en attente patiente depuis {duration(age)}"
    if age > QUEUE_ERROR_AGE:
        return error(f"{text} (plus de {duration(QUEUE_ERROR_AGE)}).", seconds)
    if age > QUEUE_WARNING_AGE:
        return warning(f"{text} (plus de {duration(QUEUE_WARNING_AGE)}).", seconds)
    return ok(f"{text}.", seconds)


def failed_tasks(now: dt.datetime) -> Outcome:
    """Task results that failed within the window, each attempt counted (a retried e-mail that
    went through on its second attempt still counts once)."""
    count = DBTaskResult.objects.failed().filter(finished_at__gte=now - FAILED_TASKS_WINDOW).count()
    if count:
        return warning(
            f"{counted(count, 'tâche en échec', 'tâches en échec')} depuis 24 h "
            "(Gestion › À traiter › Tâches en échec).",
            count,
        )
    return ok("Aucune tâche en échec depuis 24 h.", 0)


def stuck_tasks(now: dt.datetime) -> Outcome:
    """Tasks still running under a worker that stopped beating (killed, host lost): the
    recovery fails or re-queues them within minutes; longer means it does not run."""
    stuck = pending.stuck_tasks(now)
    if not stuck:
        return ok("Aucune tâche bloquée sous un processus arrêté.", 0)
    oldest = max(task.age for task in stuck)
    text = (
        f"{counted(len(stuck), 'tâche bloquée', 'tâches bloquées')} sous un processus arrêté, "
        f"depuis {duration(oldest)} pour la plus ancienne (Gestion › À traiter)"
    )
    silent = [task.silent_for or task.age for task in stuck]
    status = Status.ERROR if max(silent) > STUCK_ERROR_AGE else Status.WARNING
    if status == Status.ERROR:
        text += f" : la reprise automatique ne les a pas traitées en {duration(STUCK_ERROR_AGE)}"
    details = tuple(task.describe() for task in stuck[:DETAILS_LIMIT])
    return Outcome(status, f"{text}.", len(stuck), details)


def waiting_retries(now: dt.datetime) -> Outcome:
    """Tasks (e-mails, SMS) that failed and wait for their next automatic attempt: something
    they depend on (the SMTP relay, the SMS provider) refuses or does not answer."""
    count = pending.waiting_retries_count(now)
    if not count:
        return ok("Aucune tâche en attente d'un nouvel essai.", 0)
    waiting = pending.waiting_retries(now)
    oldest = max((task.age for task in waiting), default=dt.timedelta(0))
    phrase = "en attente d'un nouvel essai"
    text = (
        f"{counted(count, f'tâche {phrase}', f'tâches {phrase}')}, depuis {duration(oldest)} "
        "pour la plus ancienne (Gestion › À traiter)."
    )
    details = tuple(task.describe() for task in waiting[:DETAILS_LIMIT])
    return Outcome(Status.WARNING, text, count, details)


def scheduler(now: dt.datetime) -> Outcome:
    """The scheduler's heartbeat: it renews its lease every SCHEDULER_LEASE_REFRESH_SECONDS
    for SCHEDULER_LEASE_SECONDS; a lease left to expire means it stopped beating."""
    lease = SchedulerLease.objects.filter(name=LEASE_NAME).first()
    if lease is None:
        return warning(
            "Aucun planificateur actif : les tâches planifiées (remboursements, reprise des "
            "tâches interrompues) ne se lancent pas."
        )
    last_beat = lease.expires_at - dt.timedelta(seconds=settings.SCHEDULER_LEASE_SECONDS)
    seconds = max(0, int((now - last_beat).total_seconds()))
    if lease.expires_at <= now:
        return warning(
            f"Le planificateur ne s'est plus signalé depuis {moment(last_beat)} (délai de "
            f"{settings.SCHEDULER_LEASE_SECONDS} s dépassé).",
            seconds,
        )
    return ok(f"Planificateur actif, dernier signal {moment(last_beat)}.", seconds)


def workers(now: dt.datetime) -> Outcome:
    """Workers alive (seen within WORKER_LEASE_SECONDS, not stopped), and those that stopped
    beating without a clean stop within LOST_WORKER_WINDOW (killed, machine lost)."""
    alive = WorkerHeartbeat.objects.alive(now).count()
    lease = dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    lost = WorkerHeartbeat.objects.filter(
        stopped_at__isnull=True,
        last_seen_at__lt=now - lease,
        last_seen_at__gte=now - LOST_WORKER_WINDOW,
    ).count()
    lost_text = (
        f" ; {counted(lost, 'processus')} ne se signale plus depuis plus de "
        f"{settings.WORKER_LEASE_SECONDS} s sans avoir été arrêté"
        if lost
        else ""
    )
    if not alive:
        return warning(
            f"Aucun processus de traitement actif : les tâches attendent{lost_text}.", alive
        )
    text = f"{counted(alive, 'processus de traitement actif', 'processus de traitement actifs')}"
    if lost:
        return warning(f"{text}{lost_text}.", alive)
    return ok(f"{text}.", alive)


def payment_runs(now: dt.datetime) -> Outcome:
    """Past cut-offs without a payment run (what the scheduler's `payment_runs` job builds)."""
    missing = due_cut_offs(now)
    if not missing:
        return ok("Chaque date de coupure passée a sa campagne de remboursement.", 0)
    oldest = min(missing)
    late = now - oldest
    days = round(late.total_seconds() / 86400, 1)
    text = (
        f"{counted(len(missing), 'date de coupure passée', 'dates de coupure passées')} sans "
        f"campagne de remboursement, la plus ancienne {moment(oldest)}"
    )
    if late > PAYMENT_RUN_ERROR_DELAY:
        return error(f"{text} (plus de {duration(PAYMENT_RUN_ERROR_DELAY)}).", days)
    if late > PAYMENT_RUN_WARNING_DELAY:
        return warning(f"{text} (plus d'un jour).", days)
    return ok(f"{text} : le planificateur la construit dans la journée.", days)
