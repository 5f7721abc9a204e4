"""Work nobody saw waiting (issue 31): a task still RUNNING under a worker that stopped beating,
and a task (an e-mail, an SMS) waiting for its next retry. Each is listed with its age; a
healthy queue lists none."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from passplus.health import pending
from passplus.health.outcomes import Status
from passplus.health.report import health_report
from tests.helpers.pending_work import email_waiting_for_retry, queued_email, stuck_email
from tests.helpers.workers import NOW, heartbeat

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def test_a_task_running_under_a_dead_worker_is_stuck_with_its_age(settings: Any) -> None:
    heartbeat("alive", seen_seconds_ago=5)
    heartbeat("killed", seen_seconds_ago=2 * 3600 - 120)
    row = stuck_email(worker_id="killed", started=NOW - 2 * HOUR)
    stuck_email(worker_id="alive", started=NOW - 3 * HOUR)  # slow, but its worker beats

    (stuck,) = pending.stuck_tasks(NOW)

    assert (stuck.pk, stuck.label, stuck.age) == (row.pk, "Envoi d'e-mail", 2 * HOUR)
    assert stuck.describe() == (
        "Envoi d'e-mail : en cours depuis 2 h, son processus ne se signale plus depuis 1 h 58 min"
    )


def test_a_task_whose_worker_left_no_heartbeat_is_stuck_too() -> None:
    stuck_email(worker_id="never-registered", started=NOW - 10 * MINUTE)
    (stuck,) = pending.stuck_tasks(NOW)
    assert stuck.describe() == "Envoi d'e-mail : en cours depuis 10 min, processus inconnu"


def test_an_e_mail_waiting_for_its_retry_is_listed_with_its_age_since_first_asked() -> None:
    row = email_waiting_for_retry(first_enqueued=NOW - 2 * HOUR, next_try=NOW + 4 * MINUTE)

    (waiting,) = pending.waiting_retries(NOW)

    assert (waiting.pk, waiting.attempt, waiting.age) == (row.pk, 2, 2 * HOUR)
    assert waiting.describe() == (
        "Envoi d'e-mail : en attente depuis 2 h, essai 2 sur 5 le 02/12/2026 à 10:04 "
        "(dernière erreur : smtplib.SMTPServerDisconnected)"
    )


def test_a_third_attempt_names_the_last_error_and_keeps_the_first_age() -> None:
    email_waiting_for_retry(first_enqueued=NOW - 3 * HOUR, next_try=NOW + HOUR, attempt=3)
    (waiting,) = pending.waiting_retries(NOW)
    assert (waiting.attempt, waiting.age, waiting.last_error) == (
        3,
        3 * HOUR,
        "ConnectionRefusedError",
    )


def test_a_healthy_queue_lists_nothing() -> None:
    heartbeat("alive", seen_seconds_ago=5)
    stuck_email(worker_id="alive", started=NOW - MINUTE)  # running normally
    queued_email()  # ready now: the queue checks report it, not this one
    delayed_first = queued_email()  # a first attempt delayed on purpose is no retry
    DBTaskResult.objects.filter(pk=delayed_first.pk).update(run_after=NOW + HOUR)
    due = email_waiting_for_retry(first_enqueued=NOW - HOUR, next_try=NOW - MINUTE)
    assert DBTaskResult.objects.filter(pk=due.pk, status=TaskResultStatus.READY).exists()

    assert pending.stuck_tasks(NOW) == []
    assert pending.waiting_retries(NOW) == []  # a retry already due is simply ready
    report = {check.name: check for check in health_report(NOW).checks}
    assert (report["stuck_tasks"].status, report["stuck_tasks"].value) == (Status.OK, 0)
    assert (report["waiting_retries"].status, report["waiting_retries"].value) == (Status.OK, 0)
    assert report["stuck_tasks"].details == report["waiting_retries"].details == ()


def test_the_health_report_lists_them_with_their_age() -> None:
    heartbeat("killed", seen_seconds_ago=3600)
    stuck_email(worker_id="killed", started=NOW - 2 * HOUR)
    email_waiting_for_retry(first_enqueued=NOW - 2 * HOUR, next_try=NOW + 4 * MINUTE)

    report = {check.name: check for check in health_report(NOW).checks}

    stuck = report["stuck_tasks"]
    assert (stuck.status, stuck.value) == (Status.ERROR, 1)  # silent for an hour: no recovery
    assert stuck.message.startswith("1 tâche bloquée sous un processus arrêté, depuis 2 h")
    assert stuck.details == (
        "Envoi d'e-mail : en cours depuis 2 h, son processus ne se signale plus depuis 1 h",
    )
    waiting = report["waiting_retries"]
    assert (waiting.status, waiting.value) == (Status.WARNING, 1)
    assert waiting.message.startswith("1 tâche en attente d'un nouvel essai, depuis 2 h")
    assert waiting.details[0].startswith("Envoi d'e-mail : en attente depuis 2 h, essai 2 sur 5")
    assert report["stuck_tasks"].as_json()["details"] == list(stuck.details)


def test_a_task_stuck_for_a_few_minutes_is_a_warning_the_recovery_has_its_time(
    settings: Any,
) -> None:
    heartbeat("killed", seen_seconds_ago=settings.WORKER_LEASE_SECONDS + 60)
    stuck_email(worker_id="killed", started=NOW - 5 * MINUTE)
    report = {check.name: check for check in health_report(NOW).checks}
    assert (report["stuck_tasks"].status, report["stuck_tasks"].value) == (Status.WARNING, 1)
