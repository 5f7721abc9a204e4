"""The periodic jobs: what each does, when it runs, and how it is enqueued.

Each job is a plain function `(now) -> dict` (a JSON-able summary) that computes what is due
from the data, never from the scheduler's memory: run late, twice or after downtime, it does
what is due and nothing twice. The scheduler only enqueues `scheduled_job_run(job=...)`; a
worker runs it (passplus/scheduling/tasks.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from cron_descriptor import Options, get_description
from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    purpose: str
    function: str  # dotted path of a callable(now: datetime) -> dict

    @property
    def schedule(self) -> str:
        """The crontab expression, in local time (settings.TIME_ZONE)."""
        return str(settings.PASSPLUS_SCHEDULES[self.name])

    @property
    def schedule_label(self) -> str:
        return describe_schedule(self.schedule)

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.schedule, timezone=ZoneInfo(settings.TIME_ZONE))

    def next_run(self, now: dt.datetime) -> dt.datetime | None:
        fire_time: dt.datetime | None = self.trigger().get_next_fire_time(None, now)
        return fire_time

    def is_overdue(self, *, last_started_at: dt.datetime | None, now: dt.datetime) -> bool:
        """True when a fire time passed since the job last started (or it never ran): the
        scheduler was down then, so it runs the job at its start to catch up."""
        if last_started_at is None:
            return True
        # APScheduler returns the first fire time at or after the instant given: strictly after.
        after = last_started_at + dt.timedelta(microseconds=1)
        following = self.trigger().get_next_fire_time(None, after)
        return following is not None and following <= now

    def run(self, now: dt.datetime) -> dict[str, Any]:
        function: Callable[[dt.datetime], dict[str, Any]] = import_string(self.function)
        return function(now)


JOBS: tuple[Job, ...] = (
    Job(
        name="payment_runs",
        label="Construction des campagnes de remboursement",
        purpose=(
            "Construit la campagne de remboursement de chaque date de coupure passée qui n'en a "
            "pas encore."
        ),
        function="passplus.scheduling.functions.payment_runs_build_due",
    ),
    Job(
        name="ticket_expiry",
        label="Expiration des tickets non utilisés",
        purpose=(
            "Passe à « expiré » les tickets disponibles des années scolaires dont les dates "
            "limites de création et de saisie sont passées."
        ),
        function="passplus.scheduling.functions.tickets_expire",
    ),
    Job(
        name="assignments",
        label="Expiration et relances des tickets affectés",
        purpose=(
            "Expire les tickets affectés restés sans réponse de l'organisme dans le délai "
            "(le crédit revient à la famille, les deux sont prévenus), relance l'organisme une "
            "semaine avant et lui envoie, au plus une fois par jour, la liste des nouveaux "
            "tickets affectés à confirmer. Chaque e-mail part une seule fois."
        ),
        function="passplus.scheduling.functions.assignments_process",
    ),
    Job(
        name="reminders",
        label="Rappels par e-mail",
        purpose=(
            "Familles avec un crédit non utilisé, organismes sans coordonnées bancaires "
            "validées, invitations de correspondants qui vont expirer. Chaque rappel part une "
            "seule fois."
        ),
        function="passplus.scheduling.functions.reminders_send",
    ),
    Job(
        name="claim_reminders",
        label="Relances des organismes repris sans accès",
        purpose=(
            "Renvoie un lien de création d'accès aux contacts des organismes repris du système "
            "précédent qui n'ont pas encore créé leur accès, tous les "
            "PASSPLUS_CLAIM_REMINDER_DAYS jours, trois fois au plus. Chaque relance part une "
            "seule fois."
        ),
        function="passplus.scheduling.functions.claim_reminders_send",
    ),
    Job(
        name="retention",
        label="Anonymisation des années scolaires closes",
        purpose=(
            "Anonymise les données personnelles des années scolaires closes depuis la durée de "
            "conservation."
        ),
        function="passplus.scheduling.functions.closed_years_anonymise",
    ),
    Job(
        name="statistics",
        label="Statistiques de la base de données",
        purpose="Met à jour les statistiques de l'optimiseur de requêtes.",
        function="passplus.scheduling.functions.planner_statistics_refresh",
    ),
    Job(
        name="sessions",
        label="Suppression des sessions expirées",
        purpose="Supprime de la base les sessions de connexion expirées.",
        function="passplus.scheduling.functions.sessions_clear",
    ),
    Job(
        name="task_results",
        label="Purge des résultats de tâches",
        purpose="Supprime les résultats des tâches terminées depuis la durée de conservation.",
        function="passplus.scheduling.functions.task_results_prune",
    ),
    Job(
        name="dead_work",
        label="Reprise du travail interrompu",
        purpose=(
            "Repère les tâches, imports et constructions de campagnes de remboursement dont le "
            "processus de traitement s'est arrêté, et les relance ou les signale."
        ),
        function="passplus.scheduling.functions.dead_work_recover",
    ),
)

JOBS_BY_NAME = {job.name: job for job in JOBS}


@cache
def describe_schedule(expression: str) -> str:
    options = Options()
    options.locale_code = "fr_FR"
    options.use_24hour_time_format = True
    return str(get_description(expression, options))
