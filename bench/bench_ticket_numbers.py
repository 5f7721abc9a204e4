"""Ticket numbers: cost of generating and validating 200,000 of them (passplus.tickets.numbers).

Baseline, measured in the same run: 200,000 `secrets.randbelow` draws + `str()`, the least a
random 12-digit number can cost. Each figure is printed as time per number and as a ratio
to that baseline: "x 3.0" means three times the bare draw. Read the ratios, not the absolute
times (they depend on the machine); a ratio that jumps between two commits is the signal.
Each loop runs REPEAT times, the loops taking turns; the fastest run of each is kept.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from bootstrap import start

# A throwaway database, so that importing the settings never touches var/passplus.sqlite3
# (the numbers themselves need no database: no migration here).
start()

from passplus.tickets.numbers import (  # noqa: E402
    format_ticket_number,
    generate_ticket_number,
    is_valid_ticket_number,
)

COUNT = 200_000
REPEAT = 3
BASELINE = "baseline: secrets.randbelow + str()"


def fastest(loops: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Fastest of REPEAT runs of each loop, the loops taking turns (so that a busy moment of
    the machine does not land on a single one of them)."""
    timings: dict[str, list[float]] = {label: [] for label in loops}
    for _ in range(REPEAT):
        for label, loop in loops.items():
            start = time.perf_counter()
            loop()
            timings[label].append(time.perf_counter() - start)
    return {label: min(runs) for label, runs in timings.items()}


def baseline() -> list[str]:
    return [str(secrets.randbelow(9 * 10**9) + 10**9) for _ in range(COUNT)]


def generate() -> list[str]:
    return [generate_ticket_number() for _ in range(COUNT)]


def main() -> None:
    numbers = generate()
    typed = [format_ticket_number(number) for number in numbers]  # '1234 5678 9012'
    assert all(is_valid_ticket_number(number) for number in numbers)

    results = fastest(
        {
            BASELINE: baseline,
            "generate_ticket_number()": generate,
            "is_valid_ticket_number(), 12 digits": lambda: [
                is_valid_ticket_number(number) for number in numbers
            ],
            "is_valid_ticket_number(), typed with spaces": lambda: [
                is_valid_ticket_number(number) for number in typed
            ],
            "generate + validate": lambda: [
                is_valid_ticket_number(generate_ticket_number()) for _ in range(COUNT)
            ],
        }
    )
    base = results[BASELINE]
    print(f"{COUNT:,} numbers, best of {REPEAT} runs")
    for label, seconds in results.items():
        print(f"  {label:46} {seconds / COUNT * 1e6:7.2f} µs   x {seconds / base:.2f}")


if __name__ == "__main__":
    main()
