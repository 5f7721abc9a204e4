"""Issue 31, "Lost or doubled": a real worker (`manage.py worker`) SIGKILLed in the middle of an
e-mail's SMTP exchange with a real local server (tests/helpers/stalling_smtp.py), then the
recovery (called with `now` past the lease) and a worker that runs what is due.

- No "sent" marker says sent while nothing was delivered and nothing will send it: the welcome
  e-mail, the credit reminder, the missing-bank-details notice each arrive once in the end; two
  welcome tasks for one family at once send one e-mail (its row locked).
- The welcome batch of an import, killed half-way, is resumed by the recovery: every family
  gets exactly one e-mail, with nobody pressing « Relancer ».
- Killed after the server kept the message but before it answered, a retry sends it again
  (at-least-once, docs/operations.md) with the same Message-ID, so the copy is recognisable.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.organisations.models import Organisation
from passplus.payments.build import payment_run_build
from passplus.payments.emails import send_remittance_advice
from passplus.pupils import tasks
from passplus.pupils.models import Family, ImportJob, ImportStatus
from passplus.pupils.tasks import family_welcome_send, import_job_welcome
from passplus.reminders.family_credit import family_credit_remind
from passplus.reminders.models import ReminderSent
from passplus.workers.recovery import recover_dead_work
from tests.helpers import factories
from tests.helpers.database import requires_row_locks
from tests.helpers.processes import Processes, child_environment, kill, wait_for
from tests.helpers.races import held_together, run_together
from tests.helpers.smtp import free_port
from tests.helpers.stalling_smtp import Stall, StallingMailbox, StallingSmtpServer

LEASE_SECONDS = 3
pytestmark = pytest.mark.django_db(transaction=True)

Start = Callable[..., subprocess.Popen[str]]
Serve = Callable[[Stall | None], StallingMailbox]


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def serve(port: int) -> Iterator[Serve]:
    """Start the local SMTP server, stalling its first message as asked."""
    servers: list[StallingSmtpServer] = []

    def start(stall: Stall | None) -> StallingMailbox:
        servers.append(StallingSmtpServer(port, stall))
        return servers[-1].start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def start_worker(tmp_path: Path, settings: Any, port: int) -> Iterator[Start]:
    """`manage.py worker` on the test database, e-mail to the local SMTP server; with
    `pause_after`, the test-only wrapper that pauses there (tests/helpers/worker_with_pause.py,
    `constant` its TEST_WORKER_SET)."""
    settings.WORKER_LEASE_SECONDS = LEASE_SECONDS
    settings.TASK_RETRY_BASE_SECONDS = 0  # recovery's re-queued attempt is due at once
    processes = Processes(
        tmp_path,
        child_environment(
            MEDIA_ROOT=str(settings.MEDIA_ROOT),
            WORKER_HEARTBEAT_SECONDS="1",
            WORKER_LEASE_SECONDS=str(LEASE_SECONDS),
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(port),
        ),
    )

    def start(
        name: str, *options: str, pause_after: str = "", constant: str = ""
    ) -> subprocess.Popen[str]:
        command, environment = ["manage.py", "worker"], {}
        if pause_after:
            command = ["-m", "tests.helpers.worker_with_pause"]
            environment = {
                "TEST_WORKER_PAUSE_AFTER": pause_after,
                "TEST_WORKER_MARKER": str(tmp_path / f"{name}.paused"),
                "TEST_WORKER_SET": constant,
            }
        return processes.start(
            name,
            *command,
            "--no-reload",
            "--no-startup-delay",
            "--interval=0.1",
            f"--worker-id={name}",
            "--queue-name=*",
            *options,
            **environment,
        )

    with processes:
        yield start


def killed_in_the_smtp_exchange(start: Start, mailbox: StallingMailbox) -> None:
    """A worker runs what is queued until the server stalls on the message; SIGKILL it there."""
    worker = start("doomed")
    wait_for(mailbox.stalled.is_set)
    kill(worker)
    mailbox.released.set()


def recover_and_run_what_is_due(start: Start) -> None:
    report = recover_dead_work(now=timezone.now() + dt.timedelta(seconds=LEASE_SECONDS + 1))
    assert (report.tasks_failed, report.tasks_requeued) == (1, 1)
    assert start("again", "--batch").wait(timeout=120) == 0


def new_family(email: str, **fields: Any) -> Family:
    """A family created by an import: an account with no password yet."""
    family: Family = factories.FamilyFactory(
        user__email=email, user__password=None, user__last_login=None, **fields
    )
    return family


# Each case queues an e-mail that carries a "sent" marker, through its real code path, and
# returns (the recipient, whether the marker says sent).
def welcome() -> tuple[str, Callable[[], bool]]:
    family = new_family("bienvenue@example.fr")
    family_welcome_send.enqueue(family_id=family.pk)
    return family.email, lambda: Family.objects.filter(welcome_sent_at__isnull=False).exists()


def credit_reminder() -> tuple[str, Callable[[], bool]]:
    wallet = factories.WalletFactory(
        granted_cents=8000, pupil__family__user__email="rappel@example.fr"
    )
    assert family_credit_remind(today=wallet.school_year.generation_deadline) == 1
    return "rappel@example.fr", ReminderSent.objects.exists


def missing_bank_details_notice() -> tuple[str, Callable[[], bool]]:
    organisation = factories.OrganisationFactory(representative_email="president@example.fr")
    factories.RedemptionFactory(organisation=organisation)  # no bank details: a notice
    payment_run_build(cut_off=timezone.now() + dt.timedelta(days=1))
    return "president@example.fr", Organisation.objects.filter(
        missing_bank_details_notified_at__isnull=False
    ).exists


@pytest.mark.parametrize("queue", [welcome, credit_reminder, missing_bank_details_notice])
def test_an_email_killed_during_its_smtp_exchange_is_delivered_once_in_the_end(
    start_worker: Start, serve: Serve, queue: Callable[[], tuple[str, Callable[[], bool]]]
) -> None:
    mailbox = serve(Stall.BEFORE_STORING)
    recipient, marked = queue()
    killed_in_the_smtp_exchange(start_worker, mailbox)
    assert mailbox.messages() == []

    recover_and_run_what_is_due(start_worker)

    (message,) = mailbox.messages()
    assert message["To"] == recipient
    assert marked()


def test_a_welcome_killed_during_its_smtp_exchange_is_not_marked_sent(
    start_worker: Start, serve: Serve
) -> None:
    mailbox = serve(Stall.BEFORE_STORING)
    family = new_family("bienvenue@example.fr")
    family_welcome_send.enqueue(family_id=family.pk)

    killed_in_the_smtp_exchange(start_worker, mailbox)

    family.refresh_from_db()
    assert family.welcome_sent_at is None


@requires_row_locks
def test_two_welcome_tasks_for_one_family_at_once_send_one_email(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both read the family as not welcomed and are held there together unless the row lock
    keeps the second out until the first has sent and marked it (PostgreSQL)."""
    family = new_family("bienvenue@example.fr")
    monkeypatch.setattr(tasks, "_awaits_welcome", held_together(tasks._awaits_welcome))

    outcomes = run_together(
        lambda: family_welcome_send.call(family_id=family.pk),
        lambda: family_welcome_send.call(family_id=family.pk),
    )

    assert outcomes == [None, None]
    (message,) = mail.outbox
    assert message.to == ["bienvenue@example.fr"]


def test_an_import_welcome_killed_half_way_is_resumed_and_each_family_gets_one_email(
    start_worker: Start, serve: Serve, tmp_path: Path
) -> None:
    mailbox = serve(None)
    job = ImportJob.objects.create(
        school_year=factories.SchoolYearFactory(),
        original_name="eleves.csv",
        status=ImportStatus.IMPORTED,
    )
    emails = sorted(f"famille{n}@example.fr" for n in range(5))
    for email in emails:
        new_family(email, import_job=job)
    import_job_welcome.enqueue(job_id=job.pk)
    # Batches of 2: the first batch's tasks committed, the other three not queued yet.
    worker = start_worker(
        "doomed",
        pause_after="passplus.pupils.tasks:_enqueue_welcomes",
        constant="passplus.pupils.tasks:WELCOME_BATCH=2",
    )
    wait_for((tmp_path / "doomed.paused").exists)
    kill(worker)

    recover_and_run_what_is_due(start_worker)

    assert sorted(message["To"] for message in mailbox.messages()) == emails
    assert not Family.objects.filter(welcome_sent_at__isnull=True).exists()
    # The resumed batch did not queue again the welcomes the first batch had queued.
    welcomes = DBTaskResult.objects.filter(task_path=family_welcome_send.module_path)
    assert welcomes.count() == len(emails)


def test_a_remittance_advice_killed_before_the_server_answered_is_resent_as_the_same_message(
    start_worker: Start, serve: Serve
) -> None:
    mailbox = serve(Stall.AFTER_STORING)
    organisation = factories.OrganisationFactory(representative_email="tresorier@example.fr")
    payment = factories.PaymentFactory(organisation=organisation, paid=True, ticket_count=1)
    factories.RedemptionFactory(organisation=organisation, reimbursed=True, payment=payment)
    send_remittance_advice.enqueue(payment_id=payment.pk)
    killed_in_the_smtp_exchange(start_worker, mailbox)
    assert len(mailbox.messages()) == 1  # kept by the server: delivered

    recover_and_run_what_is_due(start_worker)

    first, copy = mailbox.messages()
    assert copy["To"] == first["To"] == "tresorier@example.fr"
    assert copy["Message-ID"] == first["Message-ID"]
