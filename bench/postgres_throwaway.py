"""A throwaway PostgreSQL database for the benchmarks that are about PostgreSQL.

BENCH_POSTGRES_URL names a server database to connect to (default: the local server's
`postgres` database, as on the development machine); a fresh database is created beside it and
dropped at exit. Returns None when no server answers, so `make bench` still runs the others.
"""

from __future__ import annotations

import atexit
import os
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def throwaway_postgres_url(prefix: str) -> str | None:
    admin_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL)
    name = f"{prefix}_{os.getpid()}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        print(f"  PostgreSQL unreachable at {admin_url} ({error}): not measured")
        return None
    admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    atexit.register(drop)
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))
