"""Test-only (`python -m tests.helpers.worker_with_pause`, from the project root): run
`manage.py worker` (arguments passed on) with a pause at one point of the code, so that a test
can SIGKILL the real process exactly there.

TEST_WORKER_PAUSE_AFTER names the function ("module:function"); once it has returned (inside
its caller's transaction), the worker writes TEST_WORKER_MARKER and sleeps. TEST_WORKER_SET
("module:NAME=integer", optional) sets a module's constant first (a smaller batch size). Used only
by tests/workers/."""

from __future__ import annotations

import functools
import importlib
import os
import sys
import time
from pathlib import Path
from typing import Any

import django


def pause_after(target: str, marker: Path) -> None:
    module_name, name = target.split(":")
    module = importlib.import_module(module_name)
    original = getattr(module, name)

    @functools.wraps(original)
    def paused(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        marker.write_text("paused")
        time.sleep(600)
        return result

    setattr(module, name, paused)


def set_constant(assignment: str) -> None:
    target, value = assignment.split("=")
    module_name, name = target.split(":")
    setattr(importlib.import_module(module_name), name, int(value))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passplus.settings")
    django.setup()
    if os.environ.get("TEST_WORKER_SET"):
        set_constant(os.environ["TEST_WORKER_SET"])
    pause_after(os.environ["TEST_WORKER_PAUSE_AFTER"], Path(os.environ["TEST_WORKER_MARKER"]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", "worker", *sys.argv[1:]])
