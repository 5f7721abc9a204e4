"""The scheduler: its database lease, no pile-up, catch-up after downtime, the record of each
job's runs, and the "Tâches planifiées" page (issue 17 §1)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from crontask.utils import LockError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Role
from passplus.audit.models import AuditEvent
from passplus.core.errors import DomainError
from passplus.scheduling.jobs import JOBS, JOBS_BY_NAME
from passplus.scheduling.lease import DatabaseLease
from passplus.scheduling.models import JobOutcome, JobState, SchedulerLease
from passplus.scheduling.services import scheduled_job_start
from passplus.scheduling.tasks import job_enqueue, jobs_catch_up, scheduled_job_run, waiting_runs
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.factories import UserFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def waiting_jobs() -> list[str]:
    return sorted(
        row["kwargs"]["job"]
        for row in DBTaskResult.objects.filter(
            task_path=scheduled_job_run.module_path, status="READY"
        ).values_list("args_kwargs", flat=True)
    )


# The lease -------------------------------------------------------------------------------------


def test_a_second_scheduler_cannot_take_the_lease_while_the_first_holds_it() -> None:
    first, second = DatabaseLease("premier"), DatabaseLease("second")
    assert first.acquire()
    assert not second.acquire()
    assert SchedulerLease.objects.get().holder == "premier"
    assert first.acquire(), "the holder renews its own lease"
    assert first.extend()


def test_an_expired_lease_passes_to_the_standby_and_the_old_holder_stops(settings: Any) -> None:
    settings.SCHEDULER_LEASE_SECONDS = 30
    first, second = DatabaseLease("premier"), DatabaseLease("second")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert first.acquire()
        clock.shift(dt.timedelta(seconds=29))
        assert not second.acquire()
        clock.shift(dt.timedelta(seconds=2))
        assert second.acquire()
        # The first one wakes up (it was paused): its renewal fails, so crontask stops it.
        with assert_unchanged(SchedulerLease.objects.get()), pytest.raises(LockError):
            first.extend()
        assert not first.acquire()
    assert SchedulerLease.objects.get().holder == "second"


def test_release_frees_the_lease_only_for_its_holder() -> None:
    first, second = DatabaseLease("premier"), DatabaseLease("second")
    assert first.acquire()
    second.release()
    assert SchedulerLease.objects.filter(holder="premier").exists()
    first.release()
    assert second.acquire()


# Enqueueing and catching up --------------------------------------------------------------------


def test_a_job_waits_at_most_once_in_the_queue_while_no_worker_runs() -> None:
    assert job_enqueue("statistics") is not None
    assert job_enqueue("statistics") is None
    assert job_enqueue("reminders") is not None
    assert waiting_jobs() == ["reminders", "statistics"]
    with assert_unchanged(counted=[DBTaskResult, JobState]), pytest.raises(KeyError):
        job_enqueue("inconnue")


def test_catch_up_enqueues_every_job_that_never_ran_then_nothing() -> None:
    now = timezone.now()
    assert sorted(jobs_catch_up(now)) == sorted(job.name for job in JOBS)
    assert jobs_catch_up(now) == [], "already waiting: not enqueued twice"
    assert waiting_jobs() == sorted(job.name for job in JOBS)


def test_catch_up_after_downtime_enqueues_only_the_jobs_whose_time_passed() -> None:
    # Every job last started on 1 December at 12:00 (Paris).
    last = dt.datetime(2026, 12, 1, 12, 0, tzinfo=PARIS)
    for job in JOBS:
        JobState.objects.create(job=job.name, started_at=last, outcome=JobOutcome.SUCCEEDED)
    # The scheduler comes back at 12:03: no job was due since (dead work runs every 5 min).
    assert jobs_catch_up(last + dt.timedelta(minutes=3)) == []
    # Back at 02:00 on the 2nd: the nightly expiry (00:15), the hourly assignments job and the
    # dead-work check were missed; the 09:00 reminders, the 02:30 retention, the run of the
    # 16th were not.
    missed = jobs_catch_up(dt.datetime(2026, 12, 2, 2, 0, tzinfo=PARIS))
    assert sorted(missed) == ["assignments", "dead_work", "ticket_expiry"]
    # Back on the 16th at 08:00: the payment run of the 16th (00:05) was missed too.
    JobState.objects.all().update(started_at=last)
    DBTaskResult.objects.all().delete()
    missed = jobs_catch_up(dt.datetime(2026, 12, 16, 8, 0, tzinfo=PARIS))
    assert "payment_runs" in missed and "reminders" in missed


def test_the_payment_runs_follow_the_configured_cut_off_days() -> None:
    job = JOBS_BY_NAME["payment_runs"]
    after = dt.datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)
    assert job.next_run(after) == dt.datetime(2026, 12, 16, 0, 5, tzinfo=PARIS)
    assert job.next_run(dt.datetime(2026, 12, 16, 0, 5, 1, tzinfo=PARIS)) == dt.datetime(
        2027, 1, 1, 0, 5, tzinfo=PARIS
    )
    assert job.schedule_label == "À 00:05, le 1 et 16 du mois"


def test_a_wrong_schedule_is_refused_by_the_system_check(settings: Any) -> None:
    from django.core.management.base import SystemCheckError

    settings.PASSPLUS_SCHEDULES = {**settings.PASSPLUS_SCHEDULES, "reminders": "0 25 * * *"}
    message = "Planification invalide pour « Rappels par e-mail »"
    with pytest.raises(SystemCheckError, match=message):
        call_command("check")


# What a run records ----------------------------------------------------------------------------


def test_a_successful_run_records_its_outcome_and_summary() -> None:
    job_enqueue("statistics")
    run_queued_tasks()
    state = JobState.objects.get(job="statistics")
    assert state.outcome == JobOutcome.SUCCEEDED
    assert state.summary["database"] in {"sqlite", "postgresql"}
    assert state.last_success_at is not None and state.finished_at >= state.started_at
    assert waiting_runs("statistics").count() == 0


def test_a_failed_run_is_recorded_without_its_message_and_listed_in_a_traiter(
    client: Any, monkeypatch: Any
) -> None:
    def explode(now: dt.datetime) -> dict[str, Any]:
        raise RuntimeError("famille dupont@example.org introuvable")

    monkeypatch.setattr("passplus.scheduling.functions.planner_statistics_refresh", explode)
    job_enqueue("statistics")
    run_queued_tasks()
    state = JobState.objects.get(job="statistics")
    assert (state.outcome, state.error) == (JobOutcome.FAILED, "RuntimeError")
    assert "dupont" not in str(JobState.objects.values().get(job="statistics"))

    client.force_login(UserFactory(role=Role.GESTIONNAIRE))
    page = parse_html(client.get(reverse("backoffice:review_queue")))
    section = text_of(page, "#taches-planifiees")
    assert "(1)" in section
    listed = page.select_one("#taches-planifiees").find_next("ul").get_text(" ")
    assert "Statistiques de la base de données" in listed and "RuntimeError" in listed
    # …and not a second time among the failed tasks (it runs again at its next time).
    assert "(0)" in text_of(page, "#taches")


def test_a_run_whose_worker_died_shows_as_interrupted(client: Any) -> None:
    result = job_enqueue("statistics")
    assert result is not None
    JobState.objects.create(
        job="statistics",
        task_result_id=str(result.id),
        started_at=timezone.now(),
        outcome=JobOutcome.RUNNING,
    )
    # The recovery marked the task failed after its worker's heartbeat stopped.
    DBTaskResult.objects.filter(pk=result.id).update(status="FAILED")
    client.force_login(UserFactory(role=Role.FINANCE))
    page = parse_html(client.get(reverse("backoffice:scheduled_jobs")))
    assert "Interrompue" in text_of(page, "#tache-statistics")
    review = parse_html(client.get(reverse("backoffice:review_queue")))
    assert "Statistiques de la base de données" in text_of(review, "body")


# The page --------------------------------------------------------------------------------------


def test_the_page_shows_every_job_with_its_schedule_and_next_run(client: Any) -> None:
    client.force_login(UserFactory(role=Role.GESTIONNAIRE))
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)):
        page = parse_html(client.get(reverse("backoffice:scheduled_jobs")))
    for job in JOBS:
        assert job.label in text_of(page, f"#tache-{job.name}")
    row = text_of(page, "#tache-payment_runs")
    assert "À 00:05, le 1 et 16 du mois" in row and "16/12/2026 00:05" in row
    assert "Jamais exécutée" in row
    assert "Aucun planificateur actif" in text_of(page, "#planificateur")
    assert page.select("form[action*='/lancer/']") == [], "only admins may start a job"


def test_the_page_names_the_running_scheduler(client: Any) -> None:
    DatabaseLease("serveur-1:123:abc").acquire()
    client.force_login(UserFactory(role=Role.FINANCE))
    page = parse_html(client.get(reverse("backoffice:scheduled_jobs")))
    assert "Planificateur actif" in text_of(page, "#planificateur")
    assert "serveur-1:123:abc" in text_of(page, "#planificateur")


@pytest.mark.parametrize(
    "traits", [{"role": Role.FAMILY}, {"organisation_member": True}, {"correspondent": True}]
)
def test_the_page_is_for_staff_only(client: Any, traits: dict[str, Any]) -> None:
    client.force_login(UserFactory(**traits))
    assert client.get(reverse("backoffice:scheduled_jobs")).status_code == 403


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.FINANCE])
def test_only_an_admin_may_start_a_job(client: Any, role: str) -> None:
    client.force_login(UserFactory(role=role))
    url = reverse("backoffice:scheduled_job_start", args=["payment_runs"])
    with assert_unchanged(counted=[DBTaskResult, JobState]):
        response = client.post(url)
    assert response.status_code == 403
    assert waiting_jobs() == [] and not AuditEvent.objects.exists()


def test_an_admin_starts_a_job_now_once_and_it_is_audited(client: Any) -> None:
    admin = UserFactory(role=Role.ADMIN, is_superuser=True)
    client.force_login(admin)
    url = reverse("backoffice:scheduled_job_start", args=["reminders"])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "est mise en file d'attente" in text_of(parse_html(response), "main")
    with assert_unchanged(JobState.objects.get(job="reminders"), counted=[DBTaskResult]):
        again = client.post(url, follow=True)
    assert "déjà en attente" in text_of(parse_html(again), "main")
    assert waiting_jobs() == ["reminders"]
    event = AuditEvent.objects.get(action="scheduled_job.start")
    assert event.actor == admin and event.after == {"job": "reminders"}
    with assert_unchanged(counted=[DBTaskResult, JobState]):
        response = client.post(reverse("backoffice:scheduled_job_start", args=["rien"]))
    assert response.status_code == 404


# The jobs that live here -----------------------------------------------------------------------


def test_the_payment_runs_job_builds_the_run_of_a_passed_cut_off_once() -> None:
    from passplus.payments.models import PaymentRun
    from tests.helpers.factories import BankAccountFactory, RedemptionFactory

    redemption = RedemptionFactory()
    BankAccountFactory(organisation=redemption.organisation, validated=True)
    entered = dt.datetime(2026, 12, 10, 15, 0, tzinfo=PARIS)
    type(redemption).objects.filter(pk=redemption.pk).update(entered_at=entered)
    with time_machine.travel(dt.datetime(2026, 12, 15, 23, 0, tzinfo=PARIS), tick=False):
        job_enqueue("payment_runs")
        run_queued_tasks()
        assert not PaymentRun.objects.exists(), "before the cut-off: nothing to build"
    with time_machine.travel(dt.datetime(2026, 12, 16, 0, 5, tzinfo=PARIS), tick=False):
        job_enqueue("payment_runs")
        run_queued_tasks()
        run = PaymentRun.objects.get()
        assert run.cut_off == dt.datetime(2026, 12, 16, 0, 0, tzinfo=PARIS)
        assert JobState.objects.get(job="payment_runs").summary["built"] == 1
        job_enqueue("payment_runs")
        run_queued_tasks()
    assert PaymentRun.objects.count() == 1
    assert JobState.objects.get(job="payment_runs").summary["built"] == 0
    redemption.refresh_from_db()
    assert redemption.status == "in_payment"


def test_the_sessions_job_deletes_only_expired_sessions() -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    live, old = SessionStore(), SessionStore()
    live.create()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    job_enqueue("sessions")
    run_queued_tasks()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert JobState.objects.get(job="sessions").summary == {"deleted": 1}


def test_the_task_results_job_keeps_recent_results_and_failures_longer(settings: Any) -> None:
    settings.TASK_RESULT_RETENTION_DAYS = 30
    settings.TASK_RESULT_FAILED_RETENTION_DAYS = 90
    for status, age in [("SUCCESSFUL", 31), ("SUCCESSFUL", 29), ("FAILED", 31), ("FAILED", 91)]:
        result = job_enqueue("reminders")
        assert result is not None
        DBTaskResult.objects.filter(pk=result.id).update(
            status=status, finished_at=timezone.now() - dt.timedelta(days=age)
        )
    job_enqueue("task_results")
    run_queued_tasks()
    left = sorted(
        (row.status, (timezone.now() - row.finished_at).days)
        for row in DBTaskResult.objects.filter(args_kwargs__kwargs__job="reminders")
    )
    assert left == [("FAILED", 31), ("SUCCESSFUL", 29)]


# The service (passplus.scheduling.services.scheduled_job_start) --------------------------------


def test_the_start_service_enqueues_once_and_audits_on_the_jobs_state() -> None:
    admin = UserFactory(role=Role.ADMIN, is_superuser=True)
    assert scheduled_job_start(name="reminders", actor=admin) is True
    with assert_unchanged(counted=[DBTaskResult, JobState]):
        assert scheduled_job_start(name="reminders", actor=admin) is False  # already waiting
    assert waiting_jobs() == ["reminders"]
    assert audit_trail(JobState.objects.get(job="reminders")) == [("scheduled_job.start", admin.pk)]


def test_the_start_service_refuses_an_unknown_job_and_writes_nothing() -> None:
    admin = UserFactory(role=Role.ADMIN, is_superuser=True)
    with (
        assert_unchanged(counted=[DBTaskResult, JobState]),
        pytest.raises(DomainError, match="n'existe pas"),
    ):
        scheduled_job_start(name="rien", actor=admin)
