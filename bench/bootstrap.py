"""The benchmarks' common start (each script runs as `python bench/<script>.py`, so this module
is importable as `bootstrap`): the project on the import path, a temporary directory removed at
exit, a throwaway database, the script's own settings, then `django.setup()`. Call `start()`
before importing anything from Django or the project."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(
    *,
    prefix: str = "passplus-bench-",
    database_url: str | None = None,
    postgres: str | None = None,
    **environment: str,
) -> Path:
    """Set Django up for one benchmark and return its temporary directory.

    The database is a SQLite file in that directory, unless `database_url` names another (an
    empty, throwaway one), or `postgres` asks for a throwaway PostgreSQL database with that name
    prefix (bench/postgres_throwaway.py; the script exits quietly when no server answers).
    `environment` values may use `{tmp}` for the temporary directory.
    """
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    if postgres is not None:
        from postgres_throwaway import throwaway_postgres_url

        database_url = throwaway_postgres_url(postgres)
        if database_url is None:
            sys.exit(0)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{tmp}/bench.sqlite3"
    for name, value in environment.items():
        os.environ[name] = value.format(tmp=tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passplus.settings")

    import django

    django.setup()
    return tmp
