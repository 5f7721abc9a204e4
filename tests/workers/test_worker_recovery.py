"""Work whose worker died: judged by the worker's heartbeat (a lease), then failed or re-queued,
shown in "À traiter" with a retry; build progress lives in the database and is cleared with its
dead owner; the worker reconnects after a database outage. Pupil imports:
tests/pupils/test_import_recovery.py. Real worker processes killed by SIGKILL:
tests/workers/test_worker_processes.py."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.notifications.tasks import email_later, send_email
from passplus.payments.build import build_in_progress, due_cut_offs
from passplus.payments.models import BuildProgress
from passplus.workers.heartbeat import Heartbeat
from passplus.workers.models import WorkerHeartbeat
from passplus.workers.recovery import (
    WORKER_LOST_PATH,
    recover_dead_work,
    recover_tasks_of_worker,
)
from tests.helpers import factories
from tests.helpers.pages import parse_html, text_of
from tests.helpers.payments import paid_organisations
from tests.helpers.workers import NOW, heartbeat, resilient_worker, running

pytestmark = pytest.mark.django_db


def test_alive_means_seen_within_the_lease_and_not_stopped(settings: Any) -> None:
    settings.WORKER_LEASE_SECONDS = 60
    heartbeat("recent", seen_seconds_ago=59)
    heartbeat("stale", seen_seconds_ago=61)
    heartbeat("stopped", seen_seconds_ago=1, stopped=True)

    assert list(WorkerHeartbeat.objects.alive(NOW).values_list("worker_id", flat=True)) == [
        "recent"
    ]


def test_a_task_of_a_dead_worker_is_failed_and_requeued_as_its_next_attempt(
    settings: Any,
) -> None:
    settings.TASK_MAX_ATTEMPTS = 3
    heartbeat("dead", seen_seconds_ago=61)
    heartbeat("alive", seen_seconds_ago=5)
    email_later(to=["a@example.fr"], subject="Objet", body="Corps")
    lost = running(DBTaskResult.objects.get(), "dead")
    busy = running(send_email.enqueue(to=["b@example.fr"], subject="S", body="B"), "alive")

    report = recover_dead_work(now=NOW)

    lost.refresh_from_db()
    assert (lost.status, lost.exception_class_path) == ("FAILED", WORKER_LOST_PATH)
    assert "processus de traitement s'est arrêté" in lost.traceback
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.args_kwargs["kwargs"]["sealed"] == lost.args_kwargs["kwargs"]["sealed"]
    assert retry.run_after > timezone.now()
    busy.refresh_from_db()
    assert busy.status == "RUNNING", "a live worker's task is left alone, however old"
    assert (report.tasks_failed, report.tasks_requeued) == (1, 1)
    # Idempotent: a second recovery (or a concurrent one) finds nothing more to do.
    assert recover_dead_work(now=NOW).tasks_failed == 0
    assert DBTaskResult.objects.count() == 3


def test_a_worker_without_any_heartbeat_is_dead_whatever_the_age_of_its_task() -> None:
    lost = running(send_email.enqueue(to=["a@example.fr"], subject="S", body="B"), "unknown")

    recover_dead_work(now=lost.started_at + dt.timedelta(seconds=1))

    lost.refresh_from_db()
    assert lost.status == "FAILED"


def test_a_lost_task_out_of_attempts_waits_in_the_review_queue_with_a_retry(
    client: Client, settings: Any
) -> None:
    settings.TASK_MAX_ATTEMPTS = 2
    lost = running(
        send_email.enqueue(to=["a@example.fr"], subject="S", body="B", attempt=2), "dead"
    )
    recover_dead_work(now=NOW)
    assert not DBTaskResult.objects.filter(status="READY").exists()
    client.force_login(factories.UserFactory(gestionnaire=True))

    soup = parse_html(client.get(reverse("backoffice:review_queue")))
    heading = soup.find(id="taches")
    assert heading is not None and heading.get_text(strip=True) == "Tâches en échec (1)"
    row = text_of(soup, "#liste-taches ~ tbody tr")
    assert "Envoi d'e-mail" in row and "Processus de traitement arrêté pendant la tâche" in row
    assert "Relancer" in row

    response = client.post(reverse("backoffice:task_retry", args=[lost.pk]))
    assert response.status_code == 302
    assert DBTaskResult.objects.get(status="READY").args_kwargs["kwargs"].get("attempt") is None


def test_a_worker_that_lost_the_database_fails_its_own_unfinished_task() -> None:
    heartbeat("me", seen_seconds_ago=0)
    mine = running(send_email.enqueue(to=["a@example.fr"], subject="S", body="B"), "me")
    BuildProgress.objects.create(cut_off=NOW, started_at=NOW, worker_id="me")

    report = recover_tasks_of_worker("me")

    mine.refresh_from_db()
    assert mine.status == "FAILED" and report.tasks_requeued == 1
    assert not BuildProgress.objects.exists()


def test_a_heartbeat_registers_the_process_and_a_clean_stop_marks_it() -> None:
    with Heartbeat(worker_id="ici", queues="*", interval=60) as beating:
        row = WorkerHeartbeat.objects.get(worker_id="ici")
        assert row.stopped_at is None and row.queues == "*"
        assert WorkerHeartbeat.objects.alive().filter(worker_id=beating.worker_id).exists()
    row.refresh_from_db()
    assert row.stopped_at is not None
    assert not WorkerHeartbeat.objects.alive().exists()


# Payment builds ---------------------------------------------------------------------------


def test_build_progress_of_a_dead_owner_is_removed_and_a_live_one_kept() -> None:
    heartbeat("alive", seen_seconds_ago=5)
    BuildProgress.objects.create(cut_off=NOW, started_at=NOW, worker_id="alive")
    BuildProgress.objects.create(
        cut_off=NOW - dt.timedelta(days=15), started_at=NOW, worker_id="dead"
    )

    assert recover_dead_work(now=NOW).builds_cleared == 1
    assert [item.worker_id for item in build_in_progress()] == ["alive"]


def test_a_build_records_its_owner_while_it_runs_and_removes_its_row_after() -> None:
    from passplus.core.worker_context import current_task_id, current_worker_id
    from passplus.payments import build

    paid_organisations(2, 3)
    cut_off = due_cut_offs(timezone.now())[0]
    seen: list[tuple[str, str, int]] = []
    check = build._check_conservation

    def spy(*args: Any, **kwargs: Any) -> None:
        seen.extend(BuildProgress.objects.values_list("worker_id", "task_id", "step"))
        check(*args, **kwargs)

    worker_token, task_token = current_worker_id.set("w-1"), current_task_id.set("t-1")
    try:
        with mock.patch.object(build, "_check_conservation", spy):
            run = build.payment_run_build(cut_off=cut_off)
    finally:
        current_worker_id.reset(worker_token)
        current_task_id.reset(task_token)

    assert seen == [("w-1", "t-1", 4)]
    assert not BuildProgress.objects.exists()
    assert build.payment_run_build(cut_off=cut_off) == run  # idempotent
    assert not BuildProgress.objects.exists()


def test_a_worker_restarted_under_the_same_id_recovers_what_it_left_running() -> None:
    from django_tasks_db.management.commands import db_worker

    left = running(send_email.enqueue(to=["a@example.fr"], subject="S", body="B"), "hote-1")
    with mock.patch.object(db_worker, "close_old_connections", lambda **_kwargs: None):
        resilient_worker("hote-1").run()

    left.refresh_from_db()
    assert (left.status, left.exception_class_path) == ("FAILED", WORKER_LOST_PATH)
    assert DBTaskResult.objects.filter(status="READY", queue_name="emails").count() == 1
    assert WorkerHeartbeat.objects.get(worker_id="hote-1").stopped_at is not None


def test_a_stop_signal_while_the_heartbeat_starts_still_marks_it_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SIGTERM's handler exits at once (SystemExit) when no task runs. Arriving just after the
    heartbeat was registered, it must still mark the heartbeat stopped, or the worker looks
    alive until its lease ends (seen once under load in test_worker_processes.py)."""

    start = Heartbeat.start

    def start_then_signal(self: Heartbeat) -> Heartbeat:
        start(self)
        raise SystemExit(0)  # what db_worker's shutdown handler does between two tasks

    monkeypatch.setattr(Heartbeat, "start", start_then_signal)
    worker = resilient_worker("early")

    with pytest.raises(SystemExit):
        worker.run()

    assert WorkerHeartbeat.objects.get(worker_id="early").stopped_at is not None


def test_a_worker_that_loses_the_database_waits_reconnects_and_carries_on(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The library's loop raises OperationalError when the connection is cut (it would exit);
    ours logs, closes the connections, waits with a capped back-off, fails the task it could
    not finish recording, and runs the loop again."""
    from django.db import InterfaceError, OperationalError
    from django_tasks_db.management.commands import db_worker

    from passplus.workers.management.commands import worker as worker_command

    settings.WORKER_RECONNECT_MAX_SECONDS = 4
    unfinished = running(send_email.enqueue(to=["a@example.fr"], subject="S", body="B"), "w")
    outcomes: list[BaseException | None] = [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
        OperationalError("the database system is starting up"),
        OperationalError("the database system is starting up"),
        None,
    ]

    def library_loop(self: Any) -> None:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    waits: list[float] = []
    with (
        mock.patch.object(db_worker.Worker, "run", library_loop),
        mock.patch.object(worker_command.time, "sleep", waits.append),
        mock.patch.object(worker_command.connections, "close_all") as close_all,
        caplog.at_level("ERROR", logger="passplus.workers"),
    ):
        resilient_worker("w", ["*"]).run()

    assert outcomes == [], "the loop ran again after each outage, then ended normally"
    assert waits == [1.0, 2.0, 4.0, 4.0]  # doubling, capped at WORKER_RECONNECT_MAX_SECONDS
    assert close_all.call_count == 4
    assert "lost the database" in caplog.text
    unfinished.refresh_from_db()
    assert (unfinished.status, unfinished.exception_class_path) == ("FAILED", WORKER_LOST_PATH)
    assert WorkerHeartbeat.objects.get(worker_id="w").stopped_at is not None
