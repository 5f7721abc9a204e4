"""Refresh the query planner's statistics (daily by the scheduler, and after a large import).

SQLite keeps no statistics until `ANALYZE` runs: without them its planner guesses which index
to use, and may pick a poor one (the directory's indexes were ordered around that). PostgreSQL's
autovacuum analyses tables by itself; running it there too is harmless and cheap (sampled).
"""

from __future__ import annotations

import time

from django.db import connection


def planner_statistics_refresh() -> float:
    """ANALYZE (and SQLite's PRAGMA optimize); returns the seconds it took."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")
    return time.perf_counter() - started
