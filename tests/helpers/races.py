"""Two people at once: actions started at the same instant in their own threads (each with its
own database connection), and a hold point that keeps each caller inside its transaction until
the others have reached the same line, so that a missing lock shows on every run rather than
once in a while. Used on SQLite and PostgreSQL alike (`@pytest.mark.django_db(transaction=True)`,
the threads must see each other's commits)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_together(*actions: Callable[[], Any]) -> list[Any]:
    """Run `actions` at the same instant, one thread each; return what each returned, or the
    exception it raised, in the order given."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[index] = action()
        except Exception as error:  # reported to the caller's assertions, never swallowed
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def held_together[**P, T](
    function: Callable[P, T], parties: int = 2, seconds: float = 2.0
) -> Callable[P, T]:
    """`function`, whose callers each wait after it returns until `parties` of them got there,
    or `seconds` at most. Without a lock the callers all pass the point together (the race is
    certain); with a lock taken before it, the first waits alone for `seconds`, then goes on and
    releases the lock, and the others are then let through at once."""
    barrier = threading.Barrier(parties)

    def held(*args: P.args, **kwargs: P.kwargs) -> T:
        result = function(*args, **kwargs)
        # Broken: a lock kept the others out, go on alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=seconds)
        return result

    return held
