"""A real worker (`manage.py worker`) SIGKILLed while it runs an e-mail with an attachment (the
remittance advice), an SMS, or a run build (issue 30 §1): the task is failed by recovery and
retried, and its effect happens once; with no attempt left, it waits in the back office's
"À traiter" list. The worker pauses at a chosen point (tests/helpers/worker_with_pause.py), is
killed there, and recovery is called with `now` past its lease."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pyhanko.pdf_utils.reader import PdfFileReader

from passplus.notifications.tasks import sms_later
from passplus.payments.emails import send_remittance_advice
from passplus.payments.models import BuildProgress, Payment, PaymentRun
from passplus.payments.tasks import payment_run_prepare_task
from passplus.tickets.models import Redemption, RedemptionStatus
from passplus.workers.recovery import WORKER_LOST_PATH, recover_dead_work
from tests.helpers import factories
from tests.helpers.pages import parse_html, text_of
from tests.helpers.payments import paid_organisations
from tests.helpers.processes import Processes, child_environment, kill, wait_for
from tests.helpers.smtp import Mailbox, SmtpServer, free_port

LEASE_SECONDS = 3
PHONE = "+33612345678"
pytestmark = pytest.mark.django_db(transaction=True)

Start = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    port = free_port()
    server = SmtpServer(port)
    mailbox = server.start()
    yield mailbox, port
    server.stop()


@pytest.fixture
def start_worker(tmp_path: Path, settings: Any, smtp: tuple[Mailbox, int]) -> Iterator[Start]:
    """`manage.py worker` on the test database, e-mail to the real SMTP server, SMS written
    under `tmp_path/sms`; with `pause_after`, the test-only wrapper that pauses there."""
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
            EMAIL_PORT=str(smtp[1]),
            SMS_BACKEND="passplus.notifications.sms.FileBackend",
            SMS_FILE_PATH=str(tmp_path / "sms"),
        ),
    )

    def start(name: str, *options: str, pause_after: str = "") -> subprocess.Popen[str]:
        command, environment = ["manage.py", "worker"], {}
        if pause_after:
            command = ["-m", "tests.helpers.worker_with_pause"]
            environment = {
                "TEST_WORKER_PAUSE_AFTER": pause_after,
                "TEST_WORKER_MARKER": str(tmp_path / f"{name}.paused"),
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


def past_the_lease() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=LEASE_SECONDS + 1)


def killed_at(start: Start, tmp_path: Path, pause_after: str) -> None:
    """Start a worker that pauses after `pause_after` returns, and SIGKILL it there."""
    worker = start("doomed", pause_after=pause_after)
    wait_for((tmp_path / "doomed.paused").exists)
    kill(worker)


def run_what_is_due(start: Start) -> None:
    assert start("again", "--batch").wait(timeout=60) == 0


def sms_files(tmp_path: Path) -> list[str]:
    folder = tmp_path / "sms"
    return [path.read_text() for path in folder.iterdir()] if folder.exists() else []


def lost_task() -> DBTaskResult[Any, Any]:
    return DBTaskResult.objects.get(exception_class_path=WORKER_LOST_PATH)


def paid_payment() -> Payment:
    organisation = factories.OrganisationFactory(representative_email="tresorier@example.fr")
    payment = factories.PaymentFactory(organisation=organisation, paid=True, ticket_count=1)
    factories.RedemptionFactory(organisation=organisation, reimbursed=True, payment=payment)
    return payment


def test_a_remittance_advice_killed_before_sending_is_retried_and_sent_once(
    start_worker: Start, tmp_path: Path, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _port = smtp
    send_remittance_advice.enqueue(payment_id=paid_payment().pk)
    # The PDF is built, the e-mail not yet sent.
    killed_at(start_worker, tmp_path, "passplus.payments.emails:remittance_advice_pdf")
    assert mailbox.messages() == []

    report = recover_dead_work(now=past_the_lease())

    assert (report.tasks_failed, report.tasks_requeued) == (1, 1)
    assert lost_task().task_path == send_remittance_advice.module_path
    run_what_is_due(start_worker)
    (message,) = mailbox.messages()
    assert message["To"] == "tresorier@example.fr"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    pdf = attachment.get_content()
    assert PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Count"] >= 1
    retried = DBTaskResult.objects.get(status="SUCCESSFUL")
    assert retried.args_kwargs["kwargs"]["attempt"] == 2


def test_an_sms_killed_before_the_provider_call_is_retried_and_sent_once(
    start_worker: Start, tmp_path: Path
) -> None:
    sms_later(to=PHONE, text="Votre code Pass+ : 123456")
    # The text is unsealed, the provider not yet called.
    killed_at(start_worker, tmp_path, "passplus.notifications.tasks:unseal_text")
    assert sms_files(tmp_path) == []

    report = recover_dead_work(now=past_the_lease())

    assert (report.tasks_failed, report.tasks_requeued) == (1, 1)
    run_what_is_due(start_worker)
    (sent,) = sms_files(tmp_path)
    assert f"To: {PHONE}" in sent and "Votre code Pass+ : 123456" in sent


def test_a_killed_sms_with_no_attempt_left_waits_in_the_review_queue(
    start_worker: Start, tmp_path: Path, settings: Any, client: Client
) -> None:
    settings.TASK_MAX_ATTEMPTS = 1
    sms_later(to=PHONE, text="Votre code Pass+ : 123456")
    killed_at(start_worker, tmp_path, "passplus.notifications.tasks:unseal_text")

    report = recover_dead_work(now=past_the_lease())

    assert (report.tasks_failed, report.tasks_requeued) == (1, 0)
    assert sms_files(tmp_path) == []
    assert not DBTaskResult.objects.filter(status="READY").exists()
    client.force_login(factories.UserFactory(admin=True))
    queue = text_of(parse_html(client.get(reverse("backoffice:review_queue"))), "main")
    assert "Envoi de SMS" in queue


def prepare_run() -> tuple[Any, int]:
    """What "Préparer la campagne maintenant" enqueues: a run of 3 organisations' entries."""
    paid_organisations(3, 4)
    actor = factories.UserFactory(finance=True)
    cut_off = timezone.now()
    payment_run_prepare_task.enqueue(cut_off=cut_off.isoformat(), actor_id=actor.pk)
    return cut_off, Redemption.objects.count()


@pytest.mark.parametrize(
    "pause_after",
    [
        # Every payment inserted, not committed: the build dies with its transaction.
        "passplus.payments.build:_check_conservation",
        # The run committed, the task's end not recorded: the retry finds the run.
        "passplus.payments.tasks:payment_run_build",
    ],
    ids=["before its commit", "after its commit"],
)
def test_a_run_build_killed_is_retried_and_builds_one_run(
    start_worker: Start, tmp_path: Path, pause_after: str
) -> None:
    _cut_off, entries = prepare_run()
    killed_at(start_worker, tmp_path, pause_after)

    report = recover_dead_work(now=past_the_lease())

    assert (report.tasks_failed, report.tasks_requeued) == (1, 1)
    assert lost_task().task_path == payment_run_prepare_task.module_path
    run_what_is_due(start_worker)
    run = PaymentRun.objects.get()
    assert Payment.objects.filter(run=run).count() == 3
    assert Redemption.objects.filter(status=RedemptionStatus.IN_PAYMENT).count() == entries
    assert not BuildProgress.objects.exists()
    assert DBTaskResult.objects.get(status="SUCCESSFUL").return_value == {"run": run.pk}
