"""The benchmarks that a model change could break unnoticed still run: each one, on a few
rows, prints its ratios (no time is asserted here; `make bench` measures). bench_payment_run.py
broke silently once, when the four-eyes constraints made its direct approval invalid."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers.paths import ROOT
from tests.helpers.skips import missing_tool


@pytest.mark.parametrize(
    "script",
    [
        "bench_payment_run.py",
        "bench_mark_paid.py",
        "bench_export_csv.py",
        "bench_failed_tasks.py",
        "bench_import_organisations.py",
    ],
)
def test_the_benchmark_runs_on_a_few_rows(script: str) -> None:
    env = {
        **os.environ,
        "BENCH_ORGANISATIONS": "4",
        "BENCH_REDEMPTIONS": "40",
        "BENCH_ROWS": "40",
        "BENCH_TASKS": "300",
        "BENCH_LINES": "20",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    if "PostgreSQL unreachable" in done.stdout:
        pytest.skip(missing_tool("PostgreSQL server", done.stdout.strip()))
    assert "x 1.00" in done.stdout  # the baseline line
    assert done.stdout.count(" x ") >= 2, done.stdout  # and at least one measured against it
