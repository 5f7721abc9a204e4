"""Metrics in multiprocess mode (PROMETHEUS_MULTIPROC_DIR), as production runs them: each
process counts in its own file, /metriques/ adds up every process of the host, and the counts of
processes that ended (a recycled gunicorn worker, a restarted task worker, gunicorn itself) are
archived, never lost and never counted twice, so a counter never goes down."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from passplus.core import metrics
from passplus.core.metrics_files import archive_ended_processes
from passplus.notifications.tasks import sms_later
from tests.helpers.metrics import METRICS_TOKEN, Scrape, metrics_on, scrape
from tests.helpers.paths import ROOT
from tests.helpers.processes import Processes, child_environment, wait_for

# Counts, then waits until its standard input closes: a process still running.
COUNTING = """
import sys
from passplus.core import metrics
metrics.sms_count("sent")
metrics.http_request_observe(view="public:health", method="GET", status=200, seconds=0.03)
print("counted", flush=True)
sys.stdin.read()
"""


def start_counting(directory: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", COUNTING],
        cwd=ROOT,
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "counted"
    return process


def end(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.close()
    assert process.wait(timeout=30) == 0


@pytest.mark.django_db
def test_the_endpoint_adds_up_the_processes_and_keeps_the_counts_of_those_that_ended(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics_on(settings)
    directory = tmp_path / "metriques"
    first, second = start_counting(directory), start_counting(directory)
    metrics.sms_count("sent")  # this process counts in its own registry: not in the files
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))

    both = scrape()
    assert both.value("passplus_sms_messages_total", outcome="sent") == 2
    health = {"view": "public:health", "method": "GET", "status": "200"}
    assert both.value("passplus_http_requests_total", **health) == 2
    assert both.value("passplus_http_request_duration_seconds_count", view="public:health") == 2
    assert (
        both.value("passplus_http_request_duration_seconds_bucket", view="public:health", le="0.05")
        == 2
    )
    assert archive_ended_processes(directory) == 0  # both still run: nothing archived

    end(first)
    assert archive_ended_processes(directory) == 2  # its counter and its histogram
    end(second)
    archive_ended_processes(directory)
    assert sorted(path.name for path in directory.glob("*.db")) == [
        "counter_archive.db",
        "histogram_archive.db",
    ]
    archived = scrape()
    assert archived.value("passplus_sms_messages_total", outcome="sent") == 2
    assert archived.value("passplus_http_requests_total", **health) == 2
    assert (
        archived.value(
            "passplus_http_request_duration_seconds_bucket", view="public:health", le="0.05"
        )
        == 2
    )

    end(start_counting(directory))
    assert scrape().value("passplus_sms_messages_total", outcome="sent") == 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str, token: str = "") -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except OSError:
        return 0, ""


def scrape_server(port: int) -> Scrape:
    status, text = get(port, "/metriques/", METRICS_TOKEN)
    assert status == 200
    return Scrape(text)


@pytest.mark.django_db(transaction=True)
def test_gunicorn_workers_and_a_task_worker_add_up_across_restarts(tmp_path: Path) -> None:
    directory = tmp_path / "metriques"
    environment = child_environment(
        PROMETHEUS_MULTIPROC_DIR=str(directory),
        PASSPLUS_METRICS_TOKEN=METRICS_TOKEN,
        SMS_BACKEND="passplus.notifications.sms.FileBackend",
        SMS_FILE_PATH=str(tmp_path / "sms"),
        PASSPLUS_SEAL_DEV_DIR=str(tmp_path / "seal"),
    )
    port = free_port()
    gunicorn = (
        *("-m", "gunicorn", "passplus.wsgi:application", "-c", "gunicorn.conf.py"),
        *("--workers", "2", "--bind", f"127.0.0.1:{port}"),
    )
    health = {"view": "public:health", "method": "GET", "status": "200"}

    def requests_counted(server: Scrape) -> float:
        return server.value("passplus_http_requests_total", **health)

    with Processes(tmp_path, environment) as processes:
        web = processes.start("gunicorn-1", *gunicorn)
        wait_for(lambda: get(port, "/sante/")[0] == 200)
        for _ in range(19):
            assert get(port, "/sante/")[0] == 200
        assert requests_counted(scrape_server(port)) == 20

        # A task worker of the same host sends an SMS: counted in the same directory.
        sms_later(to="+33612345678", text="Bonjour")
        worker = processes.start(
            "worker", "manage.py", "worker", "--queue-name", "*", "--no-reload"
        )
        wait_for(lambda: DBTaskResult.objects.filter(status="SUCCESSFUL").exists())
        assert scrape_server(port).value("passplus_sms_messages_total", outcome="sent") == 1

        # A gunicorn worker dies: the master archives its file, the sums stay.
        recycled = min(counting_pids(directory) - {worker.pid})
        os.kill(recycled, signal.SIGKILL)
        wait_for(lambda: recycled not in counting_pids(directory))
        assert (directory / "counter_archive.db").exists()
        wait_for(lambda: get(port, "/sante/")[0] == 200)
        assert requests_counted(scrape_server(port)) >= 21

        # gunicorn restarts while the task worker runs: nothing lost, the worker's file kept.
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=60)
        counted = requests_counted(Scrape(_files_text(directory)))
        processes.start("gunicorn-2", *gunicorn)
        wait_for(lambda: get(port, "/sante/")[0] == 200)
        after_restart = scrape_server(port)
        # Nothing lost: the archived and live files still add up. At least one more request
        # (wait_for may have needed several while the new workers started on a busy machine).
        assert requests_counted(after_restart) >= counted + 1
        assert after_restart.value("passplus_sms_messages_total", outcome="sent") == 1
        assert (directory / f"counter_{worker.pid}.db").exists()

        # The task worker stops: its SMS stays counted once a gunicorn worker is recycled.
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        os.kill(min(counting_pids(directory) - {worker.pid}), signal.SIGKILL)
        wait_for(lambda: worker.pid not in counting_pids(directory))
        assert scrape_server(port).value("passplus_sms_messages_total", outcome="sent") == 1


def counting_pids(directory: Path) -> set[int]:
    """The processes whose counters are in the directory (not yet archived)."""
    names = (path.stem.removeprefix("counter_") for path in directory.glob("counter_*.db"))
    return {int(name) for name in names if name.isdigit()}


def _files_text(directory: Path) -> str:
    """The directory's counts as /metriques/ would serve them (read here, no server running)."""
    from prometheus_client import CollectorRegistry, generate_latest

    from passplus.core.metrics_files import LockedMultiProcessCollector

    registry = CollectorRegistry()
    registry.register(LockedMultiProcessCollector(directory))
    return generate_latest(registry).decode()
