"""gunicorn's configuration, read from the working directory (`gunicorn passplus.wsgi:application`
run from the project's root finds it). The command line keeps the rest (docs/deployment.md).

Only the bookkeeping of the metrics' multiprocess mode lives here (docs/operations-metrics.md):
with `PROMETHEUS_MULTIPROC_DIR` in the environment, every worker writes its counts to a file of
that directory and `/metriques/` adds them up. At the master's start, and each time a worker
exits, the files of processes that ended are folded into the archives
(`passplus.core.metrics_files`), so the sums never go down and the directory does not grow with
each restarted worker. Without the variable these hooks do nothing.

The variable must be in the environment before gunicorn starts (systemd's EnvironmentFile):
prometheus_client chooses its mode when it is first imported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _directory() -> Path | None:
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(value) if value else None


def on_starting(server: Any) -> None:
    directory = _directory()
    if directory is None:
        return
    from passplus.core.metrics_files import archive_ended_processes

    directory.mkdir(parents=True, exist_ok=True)
    folded = archive_ended_processes(directory)
    server.log.info("Metrics: %s, %d file(s) of ended processes archived", directory, folded)


def child_exit(server: Any, worker: Any) -> None:
    directory = _directory()
    if directory is None:
        return
    from passplus.core.metrics_files import archive_ended_processes

    archive_ended_processes(directory)
