"""A cut of the database connections (a failover, a restart of PostgreSQL, `pg_terminate_backend`)
costs no 500 (issue 31): gunicorn's workers keep their connection between requests
(CONN_MAX_AGE), and without Django's health checks (CONN_HEALTH_CHECKS) each worker reused its
dead connection once, answering 500, before opening a new one.

The cut happens between two bursts of traffic, not during a query: a query running at the very
moment its connection is killed fails whatever the settings (docs/operations.md)."""

from __future__ import annotations

import signal
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from tests.helpers.processes import Processes, child_environment, wait_for
from tests.helpers.skips import needs_postgresql

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=needs_postgresql(
        "pg_terminate_backend cuts a PostgreSQL connection; SQLite has no connection to cut"
    ),
)

WORKERS = 2
# The application's connections to the test database (not autovacuum's, not this test's own).
APPLICATION_BACKENDS = """
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND backend_type = 'client backend'
"""
CUT = f"SELECT pg_terminate_backend(pid) FROM ({APPLICATION_BACKENDS}) AS application"  # noqa: S608


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def status_of(port: int, path: str) -> int:
    """The HTTP status of GET `path`, 0 when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def burst(port: int, requests: int = 16) -> list[int]:
    """`requests` requests to /sante/ (which queries the database), four at a time, so that every
    gunicorn worker serves some; returns their statuses once all have answered."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda _: status_of(port, "/sante/"), range(requests)))


def application_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(APPLICATION_BACKENDS)
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_a_cut_of_every_database_connection_costs_no_500(tmp_path: Path) -> None:
    port = free_port()
    environment = child_environment(PASSPLUS_SEAL_DEV_DIR=str(tmp_path / "seal"))
    gunicorn = (
        *("-m", "gunicorn", "passplus.wsgi:application", "-c", "gunicorn.conf.py"),
        *("--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}"),
    )
    # Processes an earlier test killed may hold a connection a moment longer: none counted here.
    wait_for(lambda: not application_backends())
    with Processes(tmp_path, environment) as processes:
        web = processes.start("gunicorn", *gunicorn)
        wait_for(lambda: status_of(port, "/sante/") == 200)

        # Traffic until every worker holds a persistent connection.
        before: list[int] = []
        wait_for(lambda: before.extend(burst(port)) or len(application_backends()) >= WORKERS)
        cut = application_backends()
        assert len(cut) == WORKERS

        with connection.cursor() as cursor:
            cursor.execute(CUT)
            assert [row[0] for row in cursor.fetchall()] == [True] * WORKERS
        wait_for(lambda: not application_backends() & cut)

        # Traffic again until every worker has connected anew: each has served a request since.
        after: list[int] = []
        wait_for(lambda: after.extend(burst(port)) or len(application_backends() - cut) >= WORKERS)

        # Stopped gracefully, its connections closed before the test database is dropped.
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=60)
        wait_for(lambda: not application_backends())

    assert set(before) == {200}
    assert after.count(500) == 0
    assert set(after) == {200}
