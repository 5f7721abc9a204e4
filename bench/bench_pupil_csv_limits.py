"""Peak memory of checking hostile pupil CSV files (passplus.pupils.csv_import.read_records),
the part of `import_job_check` that reads the whole file in the worker.

Files: a million short lines ("x", 2.9 MB: refused by the line count before any parsing); the
size limit (50 MiB) made of blank lines of 1,000 spaces (parsed to the end: 52,000 lines); the
size limit made of 200,000 lines of 262 characters (the longest lines a file at both limits can
hold, parsed to the end: each is a pupil line with a long ignored column).
Baseline, in the same run: `data.decode()` of the same bytes (the least any reader must hold).
Peak memory is Python's allocations (tracemalloc), in MiB, as a ratio to the baseline.
"""

import os
import time
import tracemalloc
from collections.abc import Callable

from bootstrap import start

start()

from passplus.pupils.csv_import import HEADER_LINE, FileError, read_records  # noqa: E402

LIMIT = int(os.environ.get("BENCH_BYTES", str(50 * 2**20)))
PUPIL = "a@example.fr;Claire Dupont;Léa;Dupont;12/04/2013;Collège Paul Éluard;5e;non;"


def million_short_lines() -> bytes:
    return (HEADER_LINE + "\r\n" + "x\r\n" * 1_000_000).encode()


def blank_lines_at_the_limit() -> bytes:
    data = (HEADER_LINE + "\r\n").encode()
    lines, rest = divmod(LIMIT - len(data), 1002)
    return data + (b" " * 1000 + b"\r\n") * lines + b" " * rest


def long_lines_at_the_limit() -> bytes:
    header = (HEADER_LINE + ";remarque\r\n").encode()
    line = PUPIL.encode()
    width = (LIMIT - len(header)) // 200_000 - len(line) - 2
    return header + (line + b"r" * width + b"\r\n") * 200_000


def peak(work: Callable[[], object]) -> tuple[float, float, str]:
    """(peak MiB, seconds, outcome) of `work`."""
    tracemalloc.start()
    began = time.perf_counter()
    try:
        result = work()
        outcome = f"{len(result)} lines" if isinstance(result, list) else "decoded"
    except FileError as error:
        outcome = f"refused: {str(error)[:60]}"
    seconds = time.perf_counter() - began
    _current, highest = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return highest / 2**20, seconds, outcome


for name, make in [
    ("a million short lines", million_short_lines),
    ("50 MiB of blank lines", blank_lines_at_the_limit),
    ("50 MiB in 200,000 lines", long_lines_at_the_limit),
]:
    data = make()
    base, _seconds, _ = peak(lambda data=data: data.decode())
    measured, seconds, outcome = peak(lambda data=data: read_records(data))
    print(f"{name} ({len(data) / 2**20:.1f} MiB)")
    print(f"  baseline data.decode(): {base:8.1f} MiB  x 1.00")
    ratio = measured / base
    print(f"  read_records:           {measured:8.1f} MiB  x {ratio:.2f}  ", end="")
    print(f"({seconds:.1f} s, {outcome})")
    del data
