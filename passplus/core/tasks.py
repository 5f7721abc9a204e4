"""Background work through django.tasks (database backend): the small retry policy every
task of the project shares.

Enqueue inside the transaction that causes the work: the task row is committed or rolled back
with it, so nothing is sent for a change that did not happen, and nothing is lost on a crash.
The e-mail and SMS tasks are in passplus/notifications/tasks.py.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.tasks import Task, task
from django.utils import timezone

logger = logging.getLogger(__name__)


def retry_delay(attempt: int) -> timedelta:
    """Exponential back-off: base, 2×base, 4×base... after attempts 1, 2, 3..."""
    return timedelta(seconds=settings.TASK_RETRY_BASE_SECONDS * 2 ** (attempt - 1))


# Module paths of the tasks made by `retried_task`: recovery (passplus/workers/recovery.py)
# re-queues one of them whose worker died, by the same policy (`retry_later`).
RETRIED_TASK_PATHS: set[str] = set()


def retry_later(
    task: Task[..., Any], args: list[Any], kwargs: dict[str, Any], *, attempt: int
) -> bool:
    """Enqueue attempt `attempt + 1` of the call after the back-off, if attempts are left
    (TASK_MAX_ATTEMPTS). True when it was enqueued (in the caller's transaction)."""
    if attempt >= settings.TASK_MAX_ATTEMPTS:
        return False
    kwargs = {key: value for key, value in kwargs.items() if key != "attempt"}
    task.using(run_after=timezone.now() + retry_delay(attempt)).enqueue(
        *args, attempt=attempt + 1, **kwargs
    )
    return True


def retried_task(*, queue_name: str = "default") -> Callable[[Callable[..., Any]], Task[..., Any]]:
    """Like @task, but a failure re-enqueues the task later, up to TASK_MAX_ATTEMPTS.

    Each failed attempt stays recorded as a failed task result (visible in the back office);
    the task receives its attempt number as the `attempt` keyword argument.
    """

    def decorator(func: Callable[..., Any]) -> Task[..., Any]:
        holder: dict[str, Task[..., Any]] = {}

        @functools.wraps(func)
        def wrapper(*args: Any, attempt: int = 1, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception as error:
                if not getattr(error, "retryable", True):
                    logger.error("Task %s failed for good (not retryable)", func.__name__)
                elif retry_later(holder["task"], list(args), kwargs, attempt=attempt):
                    logger.warning(
                        "Task %s failed (attempt %s), retry scheduled", func.__name__, attempt
                    )
                else:
                    logger.error(
                        "Task %s failed for good after %s attempts", func.__name__, attempt
                    )
                raise

        holder["task"] = task(queue_name=queue_name)(wrapper)
        RETRIED_TASK_PATHS.add(holder["task"].module_path)
        return holder["task"]

    return decorator
