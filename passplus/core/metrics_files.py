"""The files of prometheus_client's multiprocess mode: reading them for a scrape, and folding
the files of processes that ended into one archive per metric type.

Every process of the host that counts (gunicorn's workers, the task workers, a one-off
command) writes `<type>_<pid>.db` in `PROMETHEUS_MULTIPROC_DIR`, and a scrape adds them up. A
process that ends leaves its file: deleting it would make a counter go down, which Prometheus
reads as a restart from zero and counts again in `increase()`. Wiping the whole directory at
gunicorn's start, as prometheus_client suggests, would also unlink the files the task workers
are still writing to (their counts would vanish until they restart). So instead, at gunicorn's
start and whenever one of its workers exits (`gunicorn.conf.py`), the counters and histograms of
processes no longer running are added into `<type>_archive.db` and their files removed: the
sums never go down, and the directory holds one file per live process plus the archives.

Archiving and scraping take a lock on the directory (`.lock`, `flock`), so a scrape never sees
a dead process's counts twice (archive written, file not yet removed) or not at all.

No Django here: gunicorn's master imports this module before any application code.
"""

from __future__ import annotations

import fcntl
import glob
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client.metrics_core import Metric
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

# Types whose values add up across processes (gauges do not: we count none per process).
ADDITIVE_TYPES = ("counter", "histogram", "summary")
ARCHIVE = "archive"
LOCK_FILE = ".lock"


@contextmanager
def _locked(directory: Path, *, exclusive: bool) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class LockedMultiProcessCollector:
    """prometheus_client's sum of the directory's files, read under the shared lock."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def collect(self) -> Iterable[Metric]:
        with _locked(self._directory, exclusive=False):
            files = glob.glob(os.path.join(self._directory, "*.db"))
            return list(MultiProcessCollector.merge(files, accumulate=True))


def _pid_of(path: Path) -> int | None:
    """`counter_1234.db` -> 1234; None for an archive or a name we did not write."""
    stem = path.stem.rsplit("_", 1)[-1]
    return int(stem) if stem.isdigit() else None


def process_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True


def archive_ended_processes(directory: Path) -> int:
    """Fold the counts of processes no longer running into the archives; returns how many
    files were folded. Safe to run at any time; only gunicorn's master runs it."""
    folded = 0
    with _locked(directory, exclusive=True):
        for kind in ADDITIVE_TYPES:
            ended = [
                path
                for path in directory.glob(f"{kind}_*.db")
                if (pid := _pid_of(path)) is not None
                and pid != os.getpid()
                and not process_running(pid)
            ]
            if not ended:
                continue
            archive = directory / f"{kind}_{ARCHIVE}.db"
            sources = [str(path) for path in ended]
            if archive.exists():
                sources.append(str(archive))
            _write_archive(directory, kind, MultiProcessCollector.merge(sources, accumulate=False))
            for path in ended:
                path.unlink()
            folded += len(ended)
        # Gauges in the "live" modes of a process that ended (none today; harmless).
        for path in directory.glob("gauge_live*_*.db"):
            pid = _pid_of(path)
            if pid is not None and not process_running(pid):
                mark_process_dead(pid, str(directory))
    return folded


def _write_archive(directory: Path, kind: str, metrics: Iterable[Metric]) -> None:
    """Write the merged (not accumulated) values to a new archive, then put it in place."""
    temporary = directory / f".{kind}_{ARCHIVE}.tmp"
    temporary.unlink(missing_ok=True)
    archive = MmapedDict(str(temporary))
    try:
        for metric in metrics:
            for sample in metric.samples:
                names, values = list(sample.labels), list(sample.labels.values())
                key = mmap_key(metric.name, sample.name, names, values, metric.documentation)
                archive.write_value(key, sample.value, 0.0)
    finally:
        archive.close()
    os.replace(temporary, directory / f"{kind}_{ARCHIVE}.db")
