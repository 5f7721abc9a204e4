"""Each health check says ok, warning or error from what it measures (passplus.health), and a
check that raises is an error naming the exception, never a crash of the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import OperationalError
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.health import infrastructure, providers, work
from passplus.health.outcomes import Status
from passplus.health.report import CHECKS, Check, health_report, run_check
from passplus.notifications.tasks import sms_later
from passplus.scheduling.lease import LEASE_NAME
from passplus.scheduling.models import SchedulerLease
from passplus.signatures import sealing
from tests.helpers.factories import PaymentRunFactory, RedemptionFactory
from tests.helpers.sms_codes import seed_codes
from tests.helpers.workers import NOW, heartbeat

pytestmark = pytest.mark.django_db

GB = 1024**3


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int


def queued_sms(
    *, enqueued_at: dt.datetime, status: str = TaskResultStatus.READY, **fields: Any
) -> DBTaskResult:
    """An SMS task as the queue holds it, enqueued at `enqueued_at`."""
    sms_later(to="+33612345678", text="Code : 123456")
    row = DBTaskResult.objects.latest("enqueued_at")
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=enqueued_at, status=status, **fields)
    return row


# Database, cache, Redis, disk


def test_the_database_answers_with_its_round_trip_in_milliseconds() -> None:
    outcome = infrastructure.database(NOW)
    assert outcome.status == Status.OK
    assert isinstance(outcome.value, float) and outcome.value >= 0
    assert "Réponse de la base" in outcome.message


def test_a_slow_database_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(infrastructure, "SLOW_MS", -1)
    assert infrastructure.database(NOW).status == Status.WARNING


def test_an_unreachable_database_is_an_error_naming_the_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse() -> None:
        raise OperationalError("connection to server at db.internal failed: secret")

    monkeypatch.setattr(infrastructure.connection, "cursor", refuse)
    result = run_check(CHECKS[0], NOW)
    assert (result.name, result.status, result.value) == ("database", Status.ERROR, None)
    assert result.message == "La vérification a échoué : OperationalError."


def test_the_cache_writes_and_reads_back_a_key() -> None:
    outcome = infrastructure.shared_cache(NOW)
    assert outcome.status == Status.OK
    assert "LocMemCache" in outcome.message


def test_a_cache_that_loses_what_it_was_given_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Forgetful:
        def set(self, *args: Any, **kwargs: Any) -> None: ...
        def get(self, key: str) -> None: ...
        def delete(self, key: str) -> None: ...

    monkeypatch.setattr(infrastructure, "cache", Forgetful())
    assert infrastructure.shared_cache(NOW).status == Status.ERROR


def test_without_redis_url_redis_is_not_configured_and_fine(settings: Any) -> None:
    settings.REDIS_URL = ""
    outcome = infrastructure.redis_server(NOW)
    assert (outcome.status, outcome.value) == (Status.OK, None)
    assert outcome.message.startswith("Non configuré")


def test_a_redis_that_answers_its_ping_is_ok(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.REDIS_URL = "redis://:motdepasse@redis.internal:6379/0"
    asked: dict[str, Any] = {}

    class FakeRedis:
        def ping(self) -> bool:
            return True

        def close(self) -> None:
            asked["closed"] = True

    def from_url(url: str, **options: Any) -> FakeRedis:
        asked.update(url=url, **options)
        return FakeRedis()

    monkeypatch.setattr(infrastructure.redis.Redis, "from_url", from_url)
    outcome = infrastructure.redis_server(NOW)
    assert outcome.status == Status.OK
    assert asked["socket_timeout"] == infrastructure.REDIS_TIMEOUT_SECONDS and asked["closed"]
    assert "motdepasse" not in outcome.message and "redis.internal" not in outcome.message


def test_an_unreachable_redis_is_an_error(settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    result = run_check(next(check for check in CHECKS if check.name == "redis"), NOW)
    assert result.status == Status.ERROR
    assert result.message == "La vérification a échoué : ConnectionError."


@pytest.mark.parametrize(
    ("free_gb", "status"),
    [(50, Status.OK), (10, Status.OK), (9, Status.WARNING), (2, Status.WARNING), (1, Status.ERROR)],
)
def test_free_space_for_the_media_folder(
    monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path, free_gb: int, status: str
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media" / "not-created-yet"
    measured: list[Path] = []

    def fake_disk_usage(path: Path) -> Any:
        measured.append(path)
        return DiskUsage(100 * GB, (100 - free_gb) * GB, free_gb * GB)

    monkeypatch.setattr(infrastructure, "disk_usage", fake_disk_usage)
    outcome = infrastructure.media_disk(NOW)
    assert (outcome.status, outcome.value) == (status, float(free_gb))
    assert measured == [tmp_path]  # the nearest existing folder: the disk it will be on
    assert f"{free_gb},0 Go libres sur 100,0 Go" in outcome.message


# Task queue, failed tasks


def test_an_empty_queue_is_ok() -> None:
    assert work.task_queue(NOW).value == 0
    assert (work.oldest_task(NOW).status, work.oldest_task(NOW).value) == (Status.OK, 0)


@pytest.mark.parametrize(
    ("minutes", "status", "said"),
    [
        (5, Status.OK, "5 min"),
        (11, Status.WARNING, "11 min"),
        (59, Status.WARNING, "59 min"),
        (61, Status.ERROR, "1 h 01 min"),
    ],
)
def test_the_oldest_waiting_task_warns_after_10_minutes_and_errs_after_an_hour(
    minutes: int, status: str, said: str
) -> None:
    queued_sms(enqueued_at=NOW - dt.timedelta(minutes=minutes))
    queued_sms(enqueued_at=NOW - dt.timedelta(minutes=1))
    assert work.task_queue(NOW).value == 2
    outcome = work.oldest_task(NOW)
    assert (outcome.status, outcome.value) == (status, minutes * 60)
    assert f"patiente depuis {said}" in outcome.message


def test_a_retry_waits_from_its_due_time_not_from_its_first_enqueue() -> None:
    queued_sms(enqueued_at=NOW - dt.timedelta(hours=3), run_after=NOW - dt.timedelta(minutes=2))
    queued_sms(enqueued_at=NOW - dt.timedelta(hours=3), run_after=NOW + dt.timedelta(minutes=5))
    assert work.task_queue(NOW).value == 1  # the second one is not due yet
    assert (work.oldest_task(NOW).status, work.oldest_task(NOW).value) == (Status.OK, 120)


def test_a_task_failed_within_24_hours_is_a_warning() -> None:
    queued_sms(
        enqueued_at=NOW - dt.timedelta(days=2),
        status=TaskResultStatus.FAILED,
        finished_at=NOW - dt.timedelta(hours=25),
    )
    assert (work.failed_tasks(NOW).status, work.failed_tasks(NOW).value) == (Status.OK, 0)
    queued_sms(
        enqueued_at=NOW - dt.timedelta(hours=2),
        status=TaskResultStatus.FAILED,
        finished_at=NOW - dt.timedelta(hours=1),
    )
    outcome = work.failed_tasks(NOW)
    assert (outcome.status, outcome.value) == (Status.WARNING, 1)
    assert outcome.message.startswith("1 tâche en échec depuis 24 h")


# Scheduler, workers


def scheduler_lease(*, last_beat: dt.datetime, seconds: int = 30) -> None:
    SchedulerLease.objects.create(
        name=LEASE_NAME,
        holder="hote:1:abcd",
        acquired_at=last_beat - dt.timedelta(hours=1),
        expires_at=last_beat + dt.timedelta(seconds=seconds),
    )


def test_no_scheduler_is_a_warning() -> None:
    outcome = work.scheduler(NOW)
    assert (outcome.status, outcome.value) == (Status.WARNING, None)
    assert outcome.message.startswith("Aucun planificateur actif")


def test_a_scheduler_that_renews_its_lease_is_ok(settings: Any) -> None:
    scheduler_lease(
        last_beat=NOW - dt.timedelta(seconds=8), seconds=settings.SCHEDULER_LEASE_SECONDS
    )
    outcome = work.scheduler(NOW)
    assert (outcome.status, outcome.value) == (Status.OK, 8)


def test_a_scheduler_whose_lease_ran_out_is_stale(settings: Any) -> None:
    scheduler_lease(
        last_beat=NOW - dt.timedelta(seconds=31), seconds=settings.SCHEDULER_LEASE_SECONDS
    )
    outcome = work.scheduler(NOW)
    assert (outcome.status, outcome.value) == (Status.WARNING, 31)
    assert "ne s'est plus signalé depuis le 02/12/2026 à 09:59" in outcome.message


def test_live_workers_are_ok() -> None:
    heartbeat("w1", seen_seconds_ago=5)
    heartbeat("w2", seen_seconds_ago=59)
    heartbeat("gone", seen_seconds_ago=30, stopped=True)  # stopped cleanly: not a worry
    outcome = work.workers(NOW)
    assert (outcome.status, outcome.value) == (Status.OK, 2)


def test_no_live_worker_is_a_warning() -> None:
    heartbeat("gone", seen_seconds_ago=30, stopped=True)
    outcome = work.workers(NOW)
    assert (outcome.status, outcome.value) == (Status.WARNING, 0)
    assert outcome.message.startswith("Aucun processus de traitement actif")


def test_a_worker_that_stopped_beating_beyond_its_lease_is_a_warning(settings: Any) -> None:
    heartbeat("w1", seen_seconds_ago=5)
    heartbeat("killed", seen_seconds_ago=settings.WORKER_LEASE_SECONDS + 1)
    heartbeat("long-gone", seen_seconds_ago=2 * 3600)  # pruned later by the recovery
    outcome = work.workers(NOW)
    assert (outcome.status, outcome.value) == (Status.WARNING, 1)
    assert "1 processus ne se signale plus" in outcome.message


# Payment runs


def paris(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (paris(2026, 12, 1, 5, 0), Status.OK),
        (paris(2026, 12, 2, 10, 0), Status.WARNING),
        (paris(2026, 12, 3, 1, 0), Status.ERROR),
    ],
)
def test_a_past_cut_off_without_a_run(now: dt.datetime, status: str) -> None:
    redemption = RedemptionFactory()
    type(redemption).objects.filter(pk=redemption.pk).update(entered_at=paris(2026, 11, 20, 14))
    outcome = work.payment_runs(now)
    assert outcome.status == status
    assert "1 date de coupure passée sans campagne de remboursement" in outcome.message


def test_a_cut_off_with_its_run_is_ok() -> None:
    redemption = RedemptionFactory()
    type(redemption).objects.filter(pk=redemption.pk).update(entered_at=paris(2026, 11, 20, 14))
    PaymentRunFactory(cut_off=paris(2026, 12, 1, 0, 0))
    assert work.payment_runs(paris(2026, 12, 10, 0, 0)).status == Status.OK


# Seal certificate


@pytest.fixture
def seal_settings(settings: Any) -> Iterator[Any]:
    settings.PASSPLUS_SEAL_PKCS12 = ""
    settings.PASSPLUS_SEAL_KEY = ""
    settings.PASSPLUS_SEAL_CERT = ""
    settings.PASSPLUS_SEAL_KEY_PASSPHRASE = ""
    sealing.clear_signer_cache()
    yield settings
    sealing.clear_signer_cache()


def install_certificate(settings: Any, directory: Path, *, not_valid_after: dt.datetime) -> None:
    """A seal key and certificate (PEM) expiring at `not_valid_after`, set in the settings."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cachet du Département")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_valid_after - dt.timedelta(days=730))
        .not_valid_after(not_valid_after)
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / "seal.key.pem", directory / "seal.cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    settings.PASSPLUS_SEAL_KEY, settings.PASSPLUS_SEAL_CERT = str(key_path), str(cert_path)


@pytest.mark.parametrize(
    ("days_left", "status"),
    [(400, Status.OK), (31, Status.OK), (29, Status.WARNING), (-1, Status.ERROR)],
)
def test_the_seal_certificate_warns_30_days_before_it_expires(
    seal_settings: Any, tmp_path: Path, days_left: int, status: str
) -> None:
    expires = NOW.replace(microsecond=0) + dt.timedelta(days=days_left, hours=1)
    install_certificate(seal_settings, tmp_path, not_valid_after=expires)
    outcome = providers.seal_certificate(NOW)
    assert (outcome.status, outcome.value) == (status, days_left)
    assert providers.DEVELOPMENT_SEAL not in outcome.message
    if status == Status.ERROR:
        assert outcome.message.startswith("Certificat du cachet expiré le ")


def test_the_development_seal_is_named_and_a_warning_in_production(seal_settings: Any) -> None:
    seal_settings.DEBUG = False
    outcome = providers.seal_certificate(NOW)
    assert outcome.status == Status.WARNING
    assert providers.DEVELOPMENT_SEAL in outcome.message
    assert "PASSPLUS_SEAL_PKCS12" in outcome.message
    seal_settings.DEBUG = True
    outcome = providers.seal_certificate(NOW)
    assert outcome.status == Status.OK and providers.DEVELOPMENT_SEAL in outcome.message


def test_an_unreadable_seal_configuration_is_an_error(seal_settings: Any, tmp_path: Path) -> None:
    seal_settings.PASSPLUS_SEAL_KEY = str(tmp_path / "absent.key.pem")
    seal_settings.PASSPLUS_SEAL_CERT = str(tmp_path / "absent.cert.pem")
    result = run_check(next(check for check in CHECKS if check.name == "seal_certificate"), NOW)
    assert result.status == Status.ERROR
    assert result.message == "La vérification a échoué : ImproperlyConfigured."
    assert "absent" not in result.message  # the exception's text (paths) stays in the logs


# SMS provider


def test_no_sms_sent_nor_expected_is_ok() -> None:
    outcome = providers.sms_provider(NOW)
    assert (outcome.status, outcome.value) == (Status.OK, None)
    assert "LocmemBackend" in outcome.message


def test_the_last_successful_sms_is_reported() -> None:
    queued_sms(
        enqueued_at=NOW - dt.timedelta(hours=1),
        status=TaskResultStatus.SUCCESSFUL,
        finished_at=NOW - dt.timedelta(minutes=50),
    )
    seed_codes(1, phone="+33612345678", at=NOW - dt.timedelta(hours=1))
    outcome = providers.sms_provider(NOW)
    assert (outcome.status, outcome.value) == (Status.OK, 3000)
    assert outcome.message.startswith("Dernier envoi réussi le 02/12/2026 à 09:10")


def test_a_failure_after_the_last_success_is_a_warning() -> None:
    queued_sms(
        enqueued_at=NOW - dt.timedelta(hours=3),
        status=TaskResultStatus.SUCCESSFUL,
        finished_at=NOW - dt.timedelta(hours=2),
    )
    queued_sms(
        enqueued_at=NOW - dt.timedelta(hours=1),
        status=TaskResultStatus.FAILED,
        finished_at=NOW - dt.timedelta(minutes=30),
    )
    outcome = providers.sms_provider(NOW)
    assert (outcome.status, outcome.value) == (Status.WARNING, 7200)
    assert outcome.message.startswith("Dernier envoi en échec le 02/12/2026 à 09:30")


def test_codes_asked_for_with_no_sms_gone_since_is_a_warning() -> None:
    queued_sms(
        enqueued_at=NOW - dt.timedelta(days=3),
        status=TaskResultStatus.SUCCESSFUL,
        finished_at=NOW - dt.timedelta(days=3),
    )
    seed_codes(2, phone="+33612345678", at=NOW - dt.timedelta(hours=5))
    outcome = providers.sms_provider(NOW)
    assert outcome.status == Status.WARNING
    assert outcome.message.startswith("2 codes demandés depuis 24 h sans aucun envoi réussi")


def test_a_code_asked_for_a_moment_ago_is_not_yet_a_worry() -> None:
    seed_codes(1, phone="+33612345678", at=NOW - dt.timedelta(minutes=2))
    assert providers.sms_provider(NOW).status == Status.OK


# The report


def test_the_report_runs_every_check_and_is_as_bad_as_the_worst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(now: dt.datetime) -> Any:
        raise ZeroDivisionError

    checks = (*CHECKS, Check("broken", "Cassée", "", broken))
    monkeypatch.setattr("passplus.health.report.CHECKS", checks)
    report = health_report(NOW)
    assert [check.name for check in report.checks] == [check.name for check in checks]
    assert report.checks[-1].message == "La vérification a échoué : ZeroDivisionError."
    assert (report.status, report.http_status) == (Status.ERROR, 503)


def test_a_report_with_warnings_only_answers_200() -> None:
    report = health_report(NOW)
    assert Status.ERROR not in {check.status for check in report.checks}
    assert report.status == Status.WARNING  # no scheduler, no worker in a test
    assert report.http_status == 200
