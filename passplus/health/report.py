"""The detailed health report: every check run in turn, each one's failure contained.

A check is a function `(now) -> Outcome` of `infrastructure`, `work` or `providers`; CHECKS
names it (the name monitoring tools key on, stable), labels it in French and gives the unit of
its value. A check that raises is reported as an error naming the exception's class, never its
message (it could hold a path or an address), and the other checks still run. The report is as
bad as its worst check; the page answers 503 when one is in error, so a monitor can alert on
the status code alone (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.utils import timezone

from passplus.health import infrastructure, providers, work
from passplus.health.outcomes import Outcome, Status

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    unit: str  # of the outcome's value: "ms", "s", "%", "jours", "tâches", "processus"
    function: Callable[[dt.datetime], Outcome]


CHECKS: tuple[Check, ...] = (
    Check("database", "Base de données", "ms", infrastructure.database),
    Check("cache", "Cache partagé", "ms", infrastructure.shared_cache),
    Check("redis", "Redis", "ms", infrastructure.redis_server),
    Check("task_queue", "File des tâches", "tâches", work.task_queue),
    Check("task_queue_oldest", "Plus ancienne tâche en attente", "s", work.oldest_task),
    Check("failed_tasks", "Tâches en échec (24 h)", "tâches", work.failed_tasks),
    Check("stuck_tasks", "Tâches bloquées (processus arrêté)", "tâches", work.stuck_tasks),
    Check("waiting_retries", "Tâches en attente d'un nouvel essai", "tâches", work.waiting_retries),
    Check("scheduler", "Planificateur", "s", work.scheduler),
    Check("workers", "Processus de traitement", "processus", work.workers),
    Check("payment_runs", "Campagnes de remboursement", "jours", work.payment_runs),
    Check("media_disk", "Espace disque des fichiers", "%", infrastructure.media_disk),
    Check("seal_certificate", "Certificat du cachet", "jours", providers.seal_certificate),
    Check("sms_provider", "Envoi des SMS", "s", providers.sms_provider),
)


@dataclass(frozen=True)
class CheckResult:
    name: str
    label: str
    unit: str
    status: Status
    message: str
    value: float | int | None
    details: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "status": self.status.value,
            "message": self.message,
            "value": self.value,
            "unit": self.unit,
            "details": list(self.details),
        }


@dataclass(frozen=True)
class HealthReport:
    checks: list[CheckResult]
    generated_at: dt.datetime

    @property
    def status(self) -> Status:
        return max((check.status for check in self.checks), key=lambda status: status.severity)

    @property
    def http_status(self) -> int:
        if self.status == Status.ERROR:
            return HTTPStatus.SERVICE_UNAVAILABLE
        return HTTPStatus.OK

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "checks": [check.as_json() for check in self.checks],
            "generated_at": self.generated_at.isoformat(),
        }


def run_check(check: Check, now: dt.datetime) -> CheckResult:
    try:
        outcome = check.function(now)
    except Exception as exception:  # one broken part must not hide the others
        logger.warning("Health check %s failed", check.name, exc_info=True)
        outcome = Outcome(
            Status.ERROR, f"La vérification a échoué : {type(exception).__name__}.", None
        )
    return CheckResult(
        name=check.name,
        label=check.label,
        unit=check.unit,
        status=outcome.status,
        message=outcome.message,
        value=outcome.value,
        details=outcome.details,
    )


def health_report(now: dt.datetime | None = None) -> HealthReport:
    """Run every check (about a dozen small queries, a cache round trip, a Redis PING)."""
    now = now or timezone.now()
    return HealthReport(checks=[run_check(check, now) for check in CHECKS], generated_at=now)
