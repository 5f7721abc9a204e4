"""Real worker processes (`manage.py worker`) killed with SIGKILL in the middle of an e-mail
send, a 40,000-line pupil import and a payment run build, then recovery; and a worker whose
database connection is cut (PostgreSQL) that carries on with the next task.

The worker's heartbeat beats every second and its lease is 3 s here; recovery is called with
`now` past the lease rather than waiting for it."""

from __future__ import annotations

import datetime as dt
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.core.imports import INTERRUPTED_MESSAGE
from passplus.notifications.tasks import email_later, send_email
from passplus.payments.models import BuildProgress, Payment, PaymentRun
from passplus.pupils.csv_import import HEADER_LINE
from passplus.pupils.models import Family, ImportJob, ImportMode, ImportStatus, Pupil, Wallet
from passplus.pupils.tasks import import_job_run
from passplus.scheduling.tasks import job_enqueue
from passplus.tickets.models import Redemption, RedemptionStatus
from passplus.workers.models import WorkerHeartbeat
from passplus.workers.recovery import WORKER_LOST_PATH, recover_dead_work
from tests.helpers import factories
from tests.helpers.pages import parse_html, text_of
from tests.helpers.payments import paid_organisations
from tests.helpers.processes import Processes, child_environment, kill, wait_for
from tests.helpers.pupil_import import born
from tests.helpers.skips import needs_postgresql

LEASE_SECONDS = 3
pytestmark = pytest.mark.django_db(transaction=True)

Start = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def start_worker(tmp_path: Path, settings: Any) -> Iterator[Start]:
    """Start `manage.py worker` (or, with `pause_after`, the test-only wrapper that pauses
    there) against the test database; returns the process; its output goes to `<name>.log`."""
    settings.WORKER_LEASE_SECONDS = LEASE_SECONDS
    base = child_environment(
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        WORKER_HEARTBEAT_SECONDS="1",
        WORKER_LEASE_SECONDS=str(LEASE_SECONDS),
        WORKER_RECONNECT_MAX_SECONDS="2",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )

    processes = Processes(tmp_path, base)

    def start(
        name: str, *options: str, pause_after: str = "", **environment: str
    ) -> subprocess.Popen[str]:
        command = ["manage.py", "worker"]
        if pause_after:
            command = ["-m", "tests.helpers.worker_with_pause"]
            environment.update(
                TEST_WORKER_PAUSE_AFTER=pause_after,
                TEST_WORKER_MARKER=str(tmp_path / f"{name}.paused"),
            )
        return processes.start(
            name,
            *command,
            "--no-reload",
            "--no-startup-delay",
            "--interval=0.1",
            f"--worker-id={name}",
            *(options or ["--queue-name=*"]),
            **environment,
        )

    with processes:
        yield start


def past_the_lease() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=LEASE_SECONDS + 1)


def review_queue_tasks(client: Client) -> str:
    client.force_login(factories.UserFactory(gestionnaire=True))
    return text_of(parse_html(client.get(reverse("backoffice:review_queue"))), "main")


def test_an_email_send_killed_midway_is_failed_then_requeued(start_worker: Start) -> None:
    with socket.socket() as silent_smtp:  # accepts connections, never says hello
        silent_smtp.bind(("127.0.0.1", 0))
        silent_smtp.listen()
        email_later(to=["famille@example.fr"], subject="Objet", body="Corps")
        worker = start_worker(
            "mail",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(silent_smtp.getsockname()[1]),
        )
        wait_for(lambda: DBTaskResult.objects.filter(status="RUNNING").exists())
        # Alive (its heartbeat is fresh): recovery leaves its task alone.
        assert recover_dead_work().tasks_failed == 0
        kill(worker)

    assert DBTaskResult.objects.get().status == "RUNNING"  # what it was before: forever
    report = recover_dead_work(now=past_the_lease())

    lost = DBTaskResult.objects.get(status="FAILED")
    assert lost.exception_class_path == WORKER_LOST_PATH
    assert lost.task_path == send_email.module_path
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert (report.tasks_failed, report.tasks_requeued) == (1, 1)


def pupils_csv(year: Any, lines: int) -> tuple[bytes, int]:
    """`lines` pupils; every third is the sibling of the one before (same family e-mail)."""
    rows = [HEADER_LINE]
    families = 0
    for n in range(lines):
        family = n - (n % 3 == 2)
        families += n % 3 != 2
        rows.append(
            f"parent{family}@example.fr;Parent {family};Prénom{n};Nom{family};"
            f"{born(year, 11 + n % 3)};Collège n°{n % 120};5e;non"
        )
    return "\r\n".join(rows).encode(), families


def test_a_pupil_import_killed_midway_imports_nothing_and_its_retry_imports_it_once(
    start_worker: Start, client: Client, tmp_path: Path
) -> None:
    year = factories.SchoolYearFactory()
    data, families = pupils_csv(year, 40_000)
    # As the staff left it: checked (40,000 valid lines), import confirmed.
    job = ImportJob(school_year=year, original_name="eleves.csv", mode=ImportMode.ALL)
    job.file.save("import.csv", ContentFile(data), save=False)
    job.status = ImportStatus.IMPORT_PENDING
    job.total_lines = job.processed_lines = job.valid_lines = 40_000
    job.save()
    import_job_run.enqueue(job_id=job.pk)
    worker = start_worker(
        "import", "--queue-name=imports", pause_after="passplus.pupils.services:import_lines"
    )
    # Every row inserted, not yet committed: the wrapper pauses after `import_lines`. 40,000
    # lines take about 30 s on an idle core and more than 60 s on a loaded CI machine.
    wait_for((tmp_path / "import.paused").exists, seconds=240)
    kill(worker)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING  # what the staff saw: forever
    assert not Pupil.objects.exists() and not Family.objects.exists()
    assert recover_dead_work(now=past_the_lease()).import_jobs_failed == 1
    job.refresh_from_db()
    assert (job.status, job.file_error) == (ImportStatus.FAILED, INTERRUPTED_MESSAGE)
    assert "Import de collégiens" in review_queue_tasks(client)

    response = client.post(reverse("backoffice:pupil_import_retry", args=[job.pk]))
    assert response.status_code == 302
    retry = start_worker("import-again", "--queue-name=imports", "--batch")
    assert retry.wait(timeout=240) == 0

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED
    assert (job.created_pupils, job.created_families, job.created_wallets) == (
        40_000,
        families,
        40_000,
    )
    assert (Pupil.objects.count(), Family.objects.count(), Wallet.objects.count()) == (
        40_000,
        families,
        40_000,
    )


def test_a_payment_build_killed_midway_leaves_nothing_and_shows_in_the_review_queue(
    start_worker: Start, client: Client, tmp_path: Path
) -> None:
    paid_organisations(3, 4)
    enqueued = job_enqueue("payment_runs")  # what the scheduler enqueues on the 1st and 16th
    assert enqueued is not None
    # Signed in first: on SQLite the paused build holds the write lock, readers only meanwhile.
    client.force_login(factories.UserFactory(admin=True))
    worker = start_worker("build", pause_after="passplus.payments.build:_check_conservation")
    wait_for((tmp_path / "build.paused").exists)
    progress = BuildProgress.objects.get()
    assert (progress.worker_id, progress.task_id) == ("build", str(enqueued.id))
    runs_page = reverse("backoffice:payment_runs")
    assert "en cours de préparation" in text_of(parse_html(client.get(runs_page)), "main")
    kill(worker)

    report = recover_dead_work(now=past_the_lease())

    assert (report.tasks_failed, report.tasks_requeued, report.builds_cleared) == (1, 0, 1)
    assert DBTaskResult.objects.get().exception_class_path == WORKER_LOST_PATH
    assert not BuildProgress.objects.exists()
    assert "en cours de préparation" not in text_of(parse_html(client.get(runs_page)), "main")
    assert not PaymentRun.objects.exists() and not Payment.objects.exists()
    assert set(Redemption.objects.values_list("status", flat=True)) == {RedemptionStatus.ENTERED}
    failed_jobs = text_of(
        parse_html(client.get(reverse("backoffice:review_queue"))), "#taches-planifiees + ul"
    )
    assert "Construction des campagnes de remboursement : interrompue" in failed_jobs

    client.post(reverse("backoffice:scheduled_job_start", args=["payment_runs"]))
    assert start_worker("build-again", "--queue-name=*", "--batch").wait(timeout=30) == 0
    built, payments = PaymentRun.objects.count(), Payment.objects.count()
    assert built >= 1 and payments >= 3
    assert set(Redemption.objects.values_list("status", flat=True)) == {RedemptionStatus.IN_PAYMENT}
    # Rebuilding changes nothing (one run per cut-off).
    client.post(reverse("backoffice:scheduled_job_start", args=["payment_runs"]))
    assert start_worker("build-twice", "--queue-name=*", "--batch").wait(timeout=30) == 0
    assert (PaymentRun.objects.count(), Payment.objects.count()) == (built, payments)


def test_a_worker_stopped_by_sigterm_marks_its_heartbeat_stopped(start_worker: Start) -> None:
    worker = start_worker("polite")
    wait_for(lambda: WorkerHeartbeat.objects.alive().filter(worker_id="polite").exists())

    worker.send_signal(signal.SIGTERM)

    assert worker.wait(timeout=10) == 0
    heartbeat = WorkerHeartbeat.objects.get(worker_id="polite")
    assert heartbeat.stopped_at is not None and heartbeat.pid == worker.pid
    assert not WorkerHeartbeat.objects.alive().exists()


def other_connections() -> int:
    """Connections to this test database other than the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=needs_postgresql("SQLite has no server connection to cut"),
)
def test_a_worker_whose_connection_is_cut_reconnects_and_runs_the_next_task(
    start_worker: Start,
) -> None:
    worker = start_worker("cut")
    wait_for(lambda: WorkerHeartbeat.objects.filter(worker_id="cut").exists())
    # Both of its connections open (the heartbeat thread's and the polling loop's): cut before
    # the loop's first poll, the loop would simply connect afterwards and see nothing (seen
    # under load, on a fresh clone's CI run).
    wait_for(lambda: other_connections() >= 2)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchall(), "the worker's connections were found and cut"
    # The loop either meets the dead connection (logged « lost the database », then reconnects)
    # or, with CONN_HEALTH_CHECKS on, finds it unusable in close_old_connections() when it
    # wakes and opens a new one silently: either way the next task must run in this process.
    cut_at = timezone.now()

    sent = send_email.enqueue(to=["famille@example.fr"], subject="Objet", body="Corps")

    wait_for(lambda: DBTaskResult.objects.get(pk=sent.id).status == "SUCCESSFUL", seconds=60)
    assert worker.poll() is None, "the same process carries on"
    wait_for(lambda: WorkerHeartbeat.objects.get(worker_id="cut").last_seen_at > cut_at)
